-- The periods the warehouse holds figures for (months, calendar and financial-year quarters, financial
-- years), newest first when sorted by period, and whether some unit reported every month
-- of it: pages open on the newest complete period, since a part-year beside full years misleads.
with by_period as (
    select * from {{ ref('int_metric_values__by_period') }}
),

final as (
    select
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(months_reported) as most_months_reported,
        max(months_reported) = any_value(months_in_period) as is_complete
    from by_period
    group by period_type, period
)

select * from final
