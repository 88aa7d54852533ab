-- Disruptions counted once (see int_disruptions__deduplicated for the matching rule), by
-- unit, month, threat area, strand and impact level, with the claims behind each count, split
-- by whether the unit led or supported them (int_disruptions__lead_role's rule), and how many of
-- them another unit also counts (the network counts those once).
with disruptions as (
    select * from {{ ref('int_disruptions__deduplicated') }}
    where validation_status = 'validated'
),

network_counted as (
    -- whether the network counts the claim, or another unit's claim of the same disruption (the rule
    -- lives in int_disruptions__counted)
    select disruption_ref, is_network_counted from {{ ref('int_disruptions__counted') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

final as (
    select
        disruptions.rocu_code,
        disruptions.month,
        months.calendar_quarter,
        months.financial_year,
        disruptions.threat_area_code,
        disruptions.strand,
        disruptions.impact_level,
        count(*) filter (where disruptions.is_counted) as disruptions,
        count(*) filter (where disruptions.is_counted and disruptions.lead_role = 'led') as led,
        count(*) filter (where disruptions.is_counted and disruptions.lead_role = 'supported') as supported,
        count(*) filter (where disruptions.is_counted and disruptions.lead_role = 'not_recorded') as lead_not_recorded,
        count(*) filter (where disruptions.is_counted and not network_counted.is_network_counted)
            as also_counted_by_lead_unit,
        count(*) filter (where not disruptions.is_counted) as duplicate_claims,
        count(*) as claims,
        count(*) filter (where disruptions.is_counted and length(trim(coalesce(disruptions.narrative, ''))) > 0)
            as with_narrative
    from disruptions
    inner join months on disruptions.month = months.month
    left join network_counted on disruptions.disruption_ref = network_counted.disruption_ref
    group by all
)

select * from final
