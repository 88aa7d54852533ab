-- The network's disruptions by threat area, 4P strand and impact level, per period: the nine
-- units' rows of fct_disruptions_threat_matrix added up, so the network edition of the board
-- paper shows the same split (led by the recording unit, force-led, another ROCU led, lead
-- not recorded) as each unit's. Validated disruptions, each counted once within its unit.
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
        sum(disruptions) as disruptions,
        sum(led) as led,
        sum(force_led) as force_led,
        sum(other_rocu_led) as other_rocu_led,
        sum(lead_not_recorded) as lead_not_recorded
    from matrix
    group by period_type, period, threat_area_code, strand, impact_level
)

select * from final
