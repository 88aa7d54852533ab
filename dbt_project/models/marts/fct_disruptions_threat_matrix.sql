-- Disruptions by threat area, 4P strand and impact level, per unit and period (month_periods),
-- split by who led them: the unit, a force (the unit supported), or another ROCU (the unit
-- supported). Validated disruptions counted once (int_disruptions__counted); the lead is
-- int_disruptions__lead_role's rule (its lead: led, force_led, other_rocu_led, not_recorded).
with disruptions as (
    select * from {{ ref('int_disruptions__counted') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

strands as (
    select * from {{ ref('strands') }}
),

impact_levels as (
    select * from {{ ref('impact_levels') }}
),

by_period as (
    select
        disruptions.rocu_code,
        period.period_type,
        period.period,
        disruptions.threat_area_code,
        disruptions.strand,
        disruptions.impact_level,
        count(*) as disruptions,
        count(*) filter (where disruptions.lead = 'led') as led,
        count(*) filter (where disruptions.lead = 'force_led') as force_led,
        count(*) filter (where disruptions.lead = 'other_rocu_led') as other_rocu_led,
        count(*) filter (where disruptions.lead = 'not_recorded') as lead_not_recorded,
        count(*) filter (where not disruptions.is_network_counted) as also_counted_by_lead_unit
    from disruptions
    inner join months on disruptions.month = months.month
    cross join lateral {{ month_periods('months') }}
    group by all
),

final as (
    select
        by_period.rocu_code,
        by_period.period_type,
        by_period.period,
        by_period.threat_area_code,
        threat_areas.threat_area_name,
        by_period.strand,
        strands.strand_name,
        strands.sort_order as strand_sort_order,
        by_period.impact_level,
        impact_levels.impact_rank,
        by_period.disruptions,
        by_period.led,
        by_period.force_led,
        by_period.other_rocu_led,
        by_period.lead_not_recorded,
        by_period.also_counted_by_lead_unit
    from by_period
    left join threat_areas on by_period.threat_area_code = threat_areas.threat_area_code
    left join strands on by_period.strand = strands.strand_code
    left join impact_levels on by_period.impact_level = impact_levels.impact_level
)

select * from final
