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

network as (
    select
        metric_id,
        period_type,
        period,
        base_code,
        count(*) as units_on_base,
        sum(value) as network_value,
        sum(base_value) as network_base_value,
        any_value(rate_scale) * sum(value) / sum(base_value) as network_rate,
        -- the newest base any unit used, a flagged status before a published one
        arg_max(rate_base_label, (base_as_at, base_is_provisional)) as network_rate_base_label
    from on_bases
    group by metric_id, period_type, period, base_code
),

final as (
    select
        on_bases.rocu_code,
        on_bases.metric_id,
        on_bases.period_type,
        on_bases.period,
        on_bases.months_in_period,
        on_bases.months_reported,
        on_bases.months_reported < on_bases.months_in_period as is_part_period,
        on_bases.last_month,
        on_bases.value,
        on_bases.base_code,
        on_bases.base_name,
        on_bases.base_value,
        on_bases.base_as_at,
        on_bases.base_as_at_label,
        on_bases.base_status,
        on_bases.base_is_provisional,
        on_bases.base_source,
        on_bases.rate_scale,
        on_bases.rate_per,
        on_bases.rate_base_label,
        coalesce(
            on_bases.rate_base_label <> lag(on_bases.rate_base_label) over (
                partition by on_bases.rocu_code, on_bases.metric_id, on_bases.period_type, on_bases.base_code
                order by on_bases.period
            ),
            false
        ) as base_changed,
        on_bases.rate,
        network.units_on_base,
        network.network_value,
        network.network_base_value,
        network.network_rate,
        network.network_rate_base_label
    from on_bases
    inner join network
        on on_bases.metric_id = network.metric_id
        and on_bases.period_type = network.period_type
        and on_bases.period = network.period
        and on_bases.base_code = network.base_code
)

select * from final
