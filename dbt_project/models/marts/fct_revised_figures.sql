-- Figures a resubmission changed after they were first accepted: the value first submitted,
-- the value now held, the change, and the version that made it.
with monthly as (
    select * from {{ ref('fct_metric_monthly') }}
    where is_revised
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

submissions as (
    select * from {{ ref('stg_intake__submissions') }}
),

final as (
    select
        monthly.rocu_code,
        monthly.month,
        monthly.metric_id,
        metrics.metric_name,
        monthly.unit,
        monthly.value_as_first_submitted,
        monthly.value,
        monthly.value - monthly.value_as_first_submitted as change,
        abs(monthly.value - monthly.value_as_first_submitted) as absolute_change,
        submissions.version,
        submissions.submitted_at as revised_at
    from monthly
    inner join metrics on monthly.metric_id = metrics.metric_id
    left join submissions on monthly.submission_id = submissions.submission_id
)

select * from final
