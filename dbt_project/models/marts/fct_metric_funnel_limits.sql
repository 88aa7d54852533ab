-- The funnel's control limits as curves for a chart: for each metric, period and base, the
-- network rate and the exact Poisson 95% and 99.8% limits (as rates) on a grid of bases from
-- near zero to a quarter beyond the largest unit's base, over a whole period. The limits come
-- from the same macro as fct_metric_funnel, so the curves and the units' bands agree.
with funnel as (
    select * from {{ ref('fct_metric_funnel') }}
),

network as (
    select
        metric_id,
        period_type,
        period,
        base_name,
        any_value(rate_per) as rate_per,
        any_value(rate_scale) as rate_scale,
        any_value(months_in_period) as months_in_period,
        any_value(network_rate) as network_rate,
        max(base) as largest_base
    from funnel
    group by metric_id, period_type, period, base_name
),

grid as (
    select
        network.*,
        point.step,
        network.largest_base * 1.25 * point.step / {{ var('funnel_grid_points', 40) }} as base
    from network
    cross join range(1, {{ var('funnel_grid_points', 40) }} + 1) as point (step)
),

with_expected as (
    select
        grid.*,
        -- network_rate is per rate_scale of base over a whole period
        grid.network_rate * grid.base / grid.rate_scale as expected
    from grid
),

limits as (
    {{ poisson_limits('with_expected', 'expected') }}
),

final as (
    select
        with_expected.metric_id,
        with_expected.period_type,
        with_expected.period,
        with_expected.base_name,
        with_expected.rate_per,
        with_expected.step,
        with_expected.base,
        with_expected.expected,
        with_expected.network_rate,
        limits.lower_998 * with_expected.rate_scale / with_expected.base as lower_998_rate,
        limits.lower_95 * with_expected.rate_scale / with_expected.base as lower_95_rate,
        limits.upper_95 * with_expected.rate_scale / with_expected.base as upper_95_rate,
        limits.upper_998 * with_expected.rate_scale / with_expected.base as upper_998_rate
    from with_expected
    inner join limits on with_expected.expected = limits.expected
)

select * from final
