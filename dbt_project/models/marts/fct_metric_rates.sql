-- Every rateable figure on every base, one row per unit, metric, period and base: per 100,000
-- population, per 100 force officers, per 100 ROCU staff, per £1m of budget, and any base added
-- as seed rows (seeds/reference/denominator_bases.csv, seeds/framework/rate_scales.csv) with no
-- change here. The base is the unit's as at the period's last month (int_unit_bases_monthly, the
-- one rule); a unit with no figure for a base that month (no resources return yet) has no row
-- on it. Rates are of the period's total: a part period (is_part_period) is not comparable on
-- them, and fct_metric_funnel compares monthly rates over the months reported instead.
with by_period as (
    select * from {{ ref('int_metric_values__by_period') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

unit_bases as (
    select * from {{ ref('int_unit_bases_monthly') }}
),

rate_scales as (
    select * from {{ ref('rate_scales') }}
),

on_bases as (
    select
        by_period.rocu_code,
        by_period.metric_id,
        by_period.period_type,
        by_period.period,
        by_period.months_in_period,
        by_period.months_reported,
        by_period.last_month,
        by_period.value,
        unit_bases.base_code,
        unit_bases.base_name,
        unit_bases.base_value,
        unit_bases.as_at as base_as_at,
        unit_bases.as_at_label as base_as_at_label,
        unit_bases.status as base_status,
        unit_bases.status <> 'published' as base_is_provisional,
        unit_bases.source as base_source,
        rate_scales.per as rate_scale,
        rate_scales.rate_label as rate_per,
        unit_bases.base_year_label,
        unit_bases.base_since_month,
        rate_scales.rate_label || ' (' || unit_bases.base_year_label || ')' as rate_base_label,
        rate_scales.per * by_period.value / unit_bases.base_value as rate
    from by_period
    inner join metrics on by_period.metric_id = metrics.metric_id
    inner join unit_bases
        on by_period.rocu_code = unit_bases.rocu_code
        and by_period.last_month = unit_bases.month
    inner join rate_scales on unit_bases.base_code = rate_scales.base_code
    where metrics.is_rateable
        and by_period.value is not null
        and unit_bases.base_value > 0
),

-- A period's base changed when it rests on another run of the base than the unit's previous
-- period with a figure (int_unit_bases_monthly.base_since_month): the one place the change
-- between two points of a series is decided, for the comparison and the trend charts.
with_changes as (
    select
        *,
        coalesce(
            base_since_month <> lag(base_since_month) over series, false
        ) as base_changed,
        lag(base_year_label) over series as previous_base_year_label
    from on_bases
    window series as (partition by rocu_code, metric_id, period_type, base_code order by period)
),

network as (
    select
        metric_id,
        period_type,
        period,
        base_code,
        count(*) as units_on_base,
        {{ exact_sum('value') }} as network_value,
        {{ exact_sum('base_value') }} as network_base_value,
        any_value(rate_scale) * {{ exact_sum('value') }} / {{ exact_sum('base_value') }} as network_rate,
        -- the newest base any unit used, a flagged status before a published one
        arg_max(rate_base_label, (base_as_at, base_is_provisional)) as network_rate_base_label
    from on_bases
    group by metric_id, period_type, period, base_code
),

final as (
    select
        with_changes.rocu_code,
        with_changes.metric_id,
        with_changes.period_type,
        with_changes.period,
        with_changes.months_in_period,
        with_changes.months_reported,
        with_changes.months_reported < with_changes.months_in_period as is_part_period,
        with_changes.last_month,
        with_changes.value,
        with_changes.base_code,
        with_changes.base_name,
        with_changes.base_value,
        with_changes.base_as_at,
        with_changes.base_as_at_label,
        with_changes.base_status,
        with_changes.base_is_provisional,
        with_changes.base_source,
        with_changes.rate_scale,
        with_changes.rate_per,
        with_changes.rate_base_label,
        with_changes.base_year_label,
        with_changes.base_changed,
        case when with_changes.base_changed then with_changes.base_since_month end as base_changed_month,
        case when with_changes.base_changed then with_changes.previous_base_year_label end as previous_base_year_label,
        with_changes.rate,
        network.units_on_base,
        network.network_value,
        network.network_base_value,
        network.network_rate,
        network.network_rate_base_label
    from with_changes
    inner join network
        on with_changes.metric_id = network.metric_id
        and with_changes.period_type = network.period_type
        and with_changes.period = network.period
        and with_changes.base_code = network.base_code
)

select * from final
