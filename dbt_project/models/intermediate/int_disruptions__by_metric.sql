-- The one rule for which disruption claims each disruption metric is made of: every
-- validated claim of a unit's month, once per metric it counts toward. DIS_TOTAL and
-- DIS_WITH_NARRATIVE_PCT take every claim; DIS_<IMPACT> the claims of that impact level;
-- DIS_<STRAND> those of that strand. Duplicate claims (is_counted false) are kept so a
-- reader can see what was not counted; the figures count only is_counted. is_network_counted
-- comes from int_disruptions__counted (where the across-units rule lives): false for a claim
-- another unit also counts, so network totals subtract it once (int_metric_values__network_duplicates).
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
    where validation_status = 'validated'
),

counted as (
    select disruption_ref, is_network_counted from {{ ref('int_disruptions__counted') }}
),

final as (
    select
        claims.*,
        -- what DIS_WITH_NARRATIVE_PCT counts as a claim with its narrative (the one place of that rule)
        claims.impact_level is not null and length(trim(claims.narrative)) > 0 as has_narrative,
        counted.is_network_counted,
        metric.metric_id
    from claims
    left join counted on claims.disruption_ref = counted.disruption_ref
    cross join lateral (
        values
            ('DIS_TOTAL'),
            ('DIS_WITH_NARRATIVE_PCT'),
            ('DIS_' || upper(claims.impact_level)),
            ('DIS_' || upper(claims.strand))
    ) as metric (metric_id)
    where metric.metric_id is not null
)

select * from final
