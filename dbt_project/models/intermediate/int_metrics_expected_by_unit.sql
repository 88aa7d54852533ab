-- The monthly-return metrics each unit is expected to report: every one, except the optional
-- metrics (seeds/framework/optional_metrics.csv: led and supported variants, a share's base),
-- which are expected only from a unit whose label map maps a label to them. Completeness and
-- "metrics not reported" read this, so a unit is never marked down for a split it cannot make.
with metrics as (
    select * from {{ ref('metrics') }}
    where source = 'monthly_return'
),

optional_metrics as (
    select * from {{ ref('optional_metrics') }}
),

units as (
    select * from {{ ref('rocus') }}
),

mapped as (
    select distinct rocu_code, metric_id
    from {{ ref('stg_config__label_map') }}
    where metric_id is not null
),

final as (
    select
        units.rocu_code,
        metrics.metric_id,
        optional_metrics.metric_id is not null as is_optional
    from units
    cross join metrics
    left join optional_metrics on metrics.metric_id = optional_metrics.metric_id
    left join mapped on units.rocu_code = mapped.rocu_code and metrics.metric_id = mapped.metric_id
    where optional_metrics.metric_id is null or mapped.metric_id is not null
)

select * from final
