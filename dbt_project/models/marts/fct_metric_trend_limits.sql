-- Trends with the funnel's limits (docs in _marts__trend_limits.yml): per unit, count metric,
-- base and period (month, quarter, financial quarter, financial year) in time order, the unit's
-- rate against the network rate with the exact Poisson 95% and 99.8% limits for the unit's base
-- in that period (fct_metric_funnel, so the trend and the funnel plot agree), its band, the part
-- period in words, and where its base changed against the series' previous period
-- (fct_metric_rates): the month of the change, and the base before and after, for the marks.
with funnel as (
    select * from {{ ref('fct_metric_funnel') }}
),

rates as (
    -- where each period's base changed against the series' previous period: decided in fct_metric_rates
    select * from {{ ref('fct_metric_rates') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

month_in_periods as (
    select
        months.month,
        months.month_start,
        period.period_type,
        period.period
    from months
    cross join lateral {{ month_periods('months') }}
),

period_starts as (
    select
        period_type,
        period,
        min(month_start) as period_start
    from month_in_periods
    group by period_type, period
),

final as (
    select
        funnel.rocu_code,
        funnel.metric_id,
        funnel.base_name,
        funnel.period_type,
        funnel.period,
        period_starts.period_start,
        funnel.months_in_period,
        funnel.months_reported,
        funnel.is_part_period,
        funnel.months_label,
        funnel.base_label,
        funnel.base_as_at,
        funnel.base_is_provisional,
        funnel.base,
        funnel.rate_per,
        funnel.observed,
        funnel.expected,
        funnel.observed_rate,
        funnel.network_rate,
        funnel.lower_998_rate,
        funnel.lower_95_rate,
        funnel.upper_95_rate,
        funnel.upper_998_rate,
        funnel.band_95,
        funnel.band_998,
        funnel.is_small_base,
        coalesce(rates.base_changed, false) as base_changed,
        rates.base_changed_month,
        rates.previous_base_year_label as previous_base_label,
        case when rates.base_changed then rates.base_year_label end as new_base_label
    from funnel
    inner join period_starts
        on funnel.period_type = period_starts.period_type
        and funnel.period = period_starts.period
    left join rates
        on funnel.rocu_code = rates.rocu_code
        and funnel.metric_id = rates.metric_id
        and funnel.base_name = rates.base_code
        and funnel.period_type = rates.period_type
        and funnel.period = rates.period
)

select * from final
