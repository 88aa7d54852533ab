-- The network's disruptions by threat area, 4P strand and impact level, per period: the nine
-- units' rows of fct_disruptions_threat_matrix added up, so the network edition of the board
-- paper shows the same split (led by the recording unit, force-led, another ROCU led, lead
-- not recorded) as each unit's. Validated disruptions, each counted once within its unit and
-- once across units: a disruption one unit supported and another led and recorded is the
-- leading unit's (int_disruptions__counted.is_network_counted), so it is taken off the
-- supporting unit's "another ROCU led" here.
with matrix as (
    select * from {{ ref('fct_disruptions_threat_matrix') }}
),

final as (
    select
        period_type,
        period,
        threat_area_code,
        any_value(threat_area_name) as threat_area_name,
        strand,
        any_value(strand_name) as strand_name,
        any_value(strand_sort_order) as strand_sort_order,
        impact_level,
        any_value(impact_rank) as impact_rank,
        count(distinct rocu_code) as units,
        sum(disruptions - also_counted_by_lead_unit) as disruptions,
        sum(led) as led,
        sum(force_led) as force_led,
        sum(other_rocu_led - also_counted_by_lead_unit) as other_rocu_led,
        sum(lead_not_recorded) as lead_not_recorded,
        -- in two units' rows, once here: the units' cells sum to disruptions + this
        sum(also_counted_by_lead_unit) as counted_by_more_than_one_unit
    from matrix
    group by period_type, period, threat_area_code, strand, impact_level
)

select * from final
