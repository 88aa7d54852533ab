-- What the network takes off the sum of the units' disruption figures: per disruption metric and
-- period (month_periods), the claims counted by one unit that another unit also counts
-- (int_disruptions__by_metric.is_network_counted false, decided in int_disruptions__counted).
-- Each unit's figure keeps them (each did the work); the network counts each disruption once.
-- For DIS_WITH_NARRATIVE_PCT, a ratio, both its numerator and its denominator lose them.
with duplicates as (
    select * from {{ ref('int_disruptions__by_metric') }}
    where is_counted and not is_network_counted
),

months as (
    select * from {{ ref('dim_month') }}
),

final as (
    select
        duplicates.metric_id,
        period.period_type,
        period.period,
        count(*) as counted_by_more_than_one_unit,
        count(*) filter (where duplicates.has_narrative) as with_narrative
    from duplicates
    inner join months on duplicates.month = months.month
    cross join lateral {{ month_periods('months') }}
    group by duplicates.metric_id, period.period_type, period.period
)

select * from final
