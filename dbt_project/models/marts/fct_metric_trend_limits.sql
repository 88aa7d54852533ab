-- Trends with the funnel's limits (docs in _marts__trend_limits.yml): per unit, count metric,
-- base and period (month, quarter, financial quarter, financial year) in time order, the unit's
-- rate against the network rate with the exact Poisson 95% and 99.8% limits for the unit's base
-- in that period (fct_metric_funnel, so the trend and the funnel plot agree), its band, the part
-- period in words, and where its base changed (int_unit_bases_monthly.base_changed): the month
-- of the change, and the base before and after, for the trend chart's marks.
with funnel as (
    select * from {{ ref('fct_metric_funnel') }}
),

bases as (
    select * from {{ ref('int_unit_bases_monthly') }}
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

-- A period's base changed when any of its months did: the first such month, with the base it
-- moved from and to.
base_changes as (
    select
        bases.rocu_code,
        bases.base_code,
        month_in_periods.period_type,
        month_in_periods.period,
        min(bases.month) as base_changed_month,
        arg_min(bases.previous_base_year_label, bases.month) as previous_base_label,
        arg_min(bases.base_year_label, bases.month) as new_base_label
    from bases
    inner join month_in_periods on bases.month = month_in_periods.month
    where bases.base_changed
    group by bases.rocu_code, bases.base_code, month_in_periods.period_type, month_in_periods.period
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
        base_changes.base_changed_month is not null as base_changed,
        base_changes.base_changed_month,
        base_changes.previous_base_label,
        base_changes.new_base_label
    from funnel
    inner join period_starts
        on funnel.period_type = period_starts.period_type
        and funnel.period = period_starts.period
    left join base_changes
        on funnel.rocu_code = base_changes.rocu_code
        and funnel.base_name = base_changes.base_code
        and funnel.period_type = base_changes.period_type
        and funnel.period = base_changes.period
)

select * from final
