-- The disruption rows behind each disruption metric: per unit, month and metric, the
-- validated claims it is made of by threat area, strand and impact level (the rule of
-- which claims count toward which metric is int_disruptions__by_metric's), with the
-- month's count of disruptions behind the metric beside every row; led and supported
-- follow int_disruptions__lead_role.
with claims as (
    select * from {{ ref('int_disruptions__by_metric') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

rows_by_metric as (
    select
        claims.rocu_code,
        claims.month,
        claims.metric_id,
        claims.threat_area_code,
        claims.strand,
        claims.impact_level,
        count(*) filter (where claims.is_counted) as disruptions,
        count(*) filter (where claims.is_counted and claims.lead_role = 'led') as led,
        count(*) filter (where claims.is_counted and claims.lead_role = 'supported') as supported,
        count(*) filter (where claims.is_counted and claims.lead_role = 'not_recorded') as lead_not_recorded,
        count(*) filter (where not claims.is_counted) as duplicate_claims
    from claims
    group by all
),

final as (
    select
        rows_by_metric.rocu_code,
        rows_by_metric.month,
        rows_by_metric.metric_id,
        rows_by_metric.threat_area_code,
        threat_areas.threat_area_name,
        rows_by_metric.strand,
        rows_by_metric.impact_level,
        rows_by_metric.disruptions,
        rows_by_metric.led,
        rows_by_metric.supported,
        rows_by_metric.lead_not_recorded,
        rows_by_metric.duplicate_claims,
        sum(rows_by_metric.disruptions) over (
            partition by rows_by_metric.rocu_code, rows_by_metric.month, rows_by_metric.metric_id
        )::bigint as metric_disruptions
    from rows_by_metric
    left join threat_areas on rows_by_metric.threat_area_code = threat_areas.threat_area_code
)

select * from final
