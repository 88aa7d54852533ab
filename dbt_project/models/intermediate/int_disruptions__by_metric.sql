-- The one rule for which disruption claims each disruption metric is made of: every
-- validated claim of a unit's month, once per metric it counts toward. DIS_TOTAL and
-- DIS_WITH_NARRATIVE_PCT take every claim; DIS_<IMPACT> the claims of that impact level;
-- DIS_<STRAND> those of that strand. Duplicate claims (is_counted false) are kept so a
-- reader can see what was not counted; the figures count only is_counted.
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
    where validation_status = 'validated'
),

final as (
    select
        claims.*,
        metric.metric_id
    from claims
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
