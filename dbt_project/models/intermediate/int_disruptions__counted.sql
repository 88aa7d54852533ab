-- The disruptions every measure counts, the one place that rule lives: validated, and each
-- disruption once however many agencies claimed it (int_disruptions__deduplicated), with the
-- rank and weight of its impact level (seeds/reference/impact_levels.csv) for measures that
-- weigh disruptions by impact. Led or supported is lead_role (int_disruptions__lead_role).
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
),

impact_levels as (
    select * from {{ ref('impact_levels') }}
),

final as (
    select
        claims.*,
        impact_levels.impact_rank,
        impact_levels.weight as impact_weight
    from claims
    left join impact_levels on claims.impact_level = impact_levels.impact_level
    where claims.is_counted and claims.validation_status = 'validated'
)

select * from final
