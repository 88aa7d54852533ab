-- The share funnel's control limits as curves for a chart: for each share and period, the
-- network proportion and the exact binomial 95% and 99.8% limits (as percentages) on a grid of
-- denominators from near zero to a quarter beyond the largest unit's. The limits come from the
-- same macro as fct_share_funnel, so the curves and the units' bands agree.
with funnel as (
    select * from {{ ref('fct_share_funnel') }}
),

network as (
    select
        share_id,
        period_type,
        period,
        any_value(share_name) as share_name,
        any_value(network_pct) as network_pct,
        any_value(network_numerator) / any_value(network_denominator) as network_proportion,
        max(denominator) as largest_denominator
    from funnel
    group by share_id, period_type, period
),

grid as (
    select
        network.*,
        point.step,
        -- whole cases: at least 1, so a small network keeps a curve that starts at one case
        greatest(
            1, round(network.largest_denominator * 1.25 * point.step / {{ var('funnel_grid_points', 40) }})
        )::bigint as denominator
    from network
    cross join range(1, {{ var('funnel_grid_points', 40) }} + 1) as point (step)
),

limits as (
    {{ binomial_limits('grid', 'denominator', 'network_proportion') }}
),

final as (
    select
        grid.share_id,
        grid.share_name,
        grid.period_type,
        grid.period,
        grid.step,
        grid.denominator,
        grid.network_pct,
        100.0 * limits.lower_998 / grid.denominator as lower_998_pct,
        100.0 * limits.lower_95 / grid.denominator as lower_95_pct,
        100.0 * limits.upper_95 / grid.denominator as upper_95_pct,
        100.0 * limits.upper_998 / grid.denominator as upper_998_pct
    from grid
    inner join limits
        on grid.denominator = limits.n
        and grid.network_proportion = limits.p
)

select * from final
