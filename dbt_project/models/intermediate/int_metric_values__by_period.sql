-- Each unit's framework figures over months, calendar quarters, financial-year quarters
-- (period '2025/26 Q1', see dim_quarter) and financial years, each
-- combined the way the catalogue says (time_aggregation): sum; mean; snapshot or latest
-- = the value of the last month reported in the period; ratio = recomputed from summed
-- numerator and denominator, never an average of monthly percentages.
with monthly as (
    select * from {{ ref('fct_metric_monthly') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

periods as (
    select
        monthly.*,
        metrics.time_aggregation,
        period.period_type,
        period.period,
        period.months_in_period
    from monthly
    inner join metrics on monthly.metric_id = metrics.metric_id
    cross join lateral {{ month_periods('monthly') }}
),

final as (
    select
        rocu_code,
        metric_id,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        count(distinct month) as months_reported,
        max(month) as last_month,
        case any_value(time_aggregation)
            when 'sum' then {{ exact_sum('value') }}
            when 'mean' then {{ exact_avg('value') }}
            when 'ratio' then 100.0 * {{ exact_sum('numerator') }} / nullif({{ exact_sum('denominator') }}, 0)
            else arg_max(value, month)
        end as value,
        case any_value(time_aggregation)
            when 'sum' then {{ exact_sum('value_as_first_submitted') }}
            when 'mean' then {{ exact_avg('value_as_first_submitted') }}
            when 'ratio' then 100.0 * {{ exact_sum('numerator') }} / nullif({{ exact_sum('denominator') }}, 0)
            else arg_max(value_as_first_submitted, month)
        end as value_as_first_submitted,
        {{ exact_sum('numerator') }} as numerator,
        {{ exact_sum('denominator') }} as denominator
    from periods
    group by rocu_code, metric_id, period_type, period
)

select * from final
