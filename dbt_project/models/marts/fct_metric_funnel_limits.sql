-- The funnel's control limits as curves for a chart: for each metric, period and base, the
-- network rate and the exact Poisson 95% and 99.8% limits (as rates) on a grid of bases from
-- near zero to a quarter beyond the largest unit's base, over a whole period. The limits come
-- from the same macro as fct_metric_funnel, so the curves and the units' bands agree.
-- Each grid point is moved to the nearest expected count on one grid shared by every curve
-- (powers of two, var funnel_grid_per_doubling steps per doubling: 32 moves a point by at most
-- 1.1% of its base), so the quantiles are summed for a few hundred expected counts in all
-- rather than for each of the ~5,000 curves' 40 points (26 s of a 50 s build at demo scale).
-- A curve is drawn through points; the limits at each point are exact for the base it names.
-- Kept per comparison, as fct_metric_funnel is: a comparison's curves are rebuilt when the funnel's
-- digest of its inputs changes, or the grid's settings do.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=before_begin(
        "{{ delete_changed_scopes(ref('fct_metric_funnel'), funnel_comparison(), funnel_grid_settings()) }}"),
) }}

with funnel as (
    select * from {{ ref('fct_metric_funnel') }} as funnel
    where {{ unbuilt_scope('funnel', funnel_comparison()) }}
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
        max(base) as largest_base,
        any_value(inputs_fingerprint) as inputs_fingerprint
    from funnel
    group by metric_id, period_type, period, base_name
),

grid as (
    select
        network.*,
        point.step,
        -- network_rate is per rate_scale of base over a whole period
        network.network_rate * network.largest_base * 1.25 * point.step
        / {{ var('funnel_grid_points', 40) }} / network.rate_scale as aimed_at
    from network
    cross join range(1, {{ var('funnel_grid_points', 40) }} + 1) as point (step)
),

with_expected as (
    select
        metric_id,
        period_type,
        period,
        base_name,
        rate_per,
        rate_scale,
        network_rate,
        inputs_fingerprint,
        step,
        expected,
        -- the base whose expected count this is (a zero network rate: every base expects none)
        case
            when network_rate > 0 then expected * rate_scale / network_rate
            else largest_base * 1.25 * step / {{ var('funnel_grid_points', 40) }}
        end as base
    from (
        select
            grid.*,
            case
                when grid.aimed_at > 0
                    then pow(2, round(log2(grid.aimed_at) * {{ var('funnel_grid_per_doubling', 32) }})
                        / {{ var('funnel_grid_per_doubling', 32) }})
                else 0
            end as expected
        from grid
    ) as snapped
    -- two points of one curve on the same expected count are one point
    qualify row_number() over (
        partition by metric_id, period_type, period, base_name, base order by step
    ) = 1
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
        limits.upper_998 * with_expected.rate_scale / with_expected.base as upper_998_rate,
        {{ scope_fingerprint('with_expected.inputs_fingerprint', funnel_grid_settings()) }} as inputs_fingerprint,
        '{{ invocation_id }}' as built_in_run
    from with_expected
    inner join limits on with_expected.expected = limits.expected
)

select * from final
