-- Funnel comparison of units (Spiegelhalter 2005; docs in _marts__funnel.yml): each count
-- against the network on each base fct_metric_rates offers (population, force officers, ROCU
-- staff, budget: every row of seeds/framework/rate_scales.csv with figures), with exact Poisson 95% and
-- 99.8% limits and a band 'higher' / 'similar' / 'lower' instead of a rank. Only counts that
-- add up over months and across units (unit 'count', summed in time and space) are Poisson
-- counts; money, weights and years are not. A unit with months missing is compared on its
-- monthly rate over the months it reported (exposure = base x months reported), never on the
-- raw total for the period; the rates are scaled to the whole period so they read as the
-- period's rate. A disruption two units count is in both units' observed counts but once in
-- the network's (int_metric_values__network_duplicates), as in fct_metric_network.
-- Kept per comparison (a metric, period and base, across units; macros/funnel_inputs.sql): a
-- refresh rebuilds the comparisons whose inputs changed. The quantiles of a comparison's expected
-- counts were most of this model's time (33,000 of them at demo scale, 1.4 s of 1.7 s).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=before_begin(
        "{{ delete_changed_scopes(funnel_inputs(), funnel_comparison()) }}"),
) }}

with rates as (
    select * from {{ ref('fct_metric_rates') }}
),

fingerprints as (
    select * from {{ funnel_inputs() }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

-- The scale and wording of a rate on each base: seeds/framework/rate_scales.csv, so a new base
-- is a seed row (and its figures in int_denominator_observations), not SQL here.
rate_scales as (
    select * from {{ ref('rate_scales') }}
),

on_bases as (
    select
        rates.rocu_code,
        rates.metric_id,
        rates.period_type,
        rates.period,
        rates.months_in_period,
        rates.months_reported,
        rates.value as observed,
        rates.base_code as base_name,
        rates.base_name as base_label,
        rates.base_as_at_label as base_as_at,
        rates.base_is_provisional,
        rates.base_value::double as base,
        rate_scales.per::double as rate_scale,
        rate_scales.rate_label as rate_per
    from rates
    inner join metrics on rates.metric_id = metrics.metric_id
    inner join rate_scales on rates.base_code = rate_scales.base_code
    where metrics.is_rateable
        and metrics.unit = 'count'
        and metrics.time_aggregation = 'sum'
        and metrics.space_aggregation = 'sum'
        and rates.value is not null
        and rates.months_reported > 0
        and rates.base_value > 0
),

-- The comparisons this run builds: all on a first build, else those with no rows kept (the
-- pre-hook deleted the rows of every comparison whose inputs changed).
unbuilt as (
    select * from on_bases
    where {{ unbuilt_scope('on_bases', funnel_comparison()) }}
),

network_duplicates as (
    select * from {{ ref('int_metric_values__network_duplicates') }}
),

network as (
    select
        unbuilt.metric_id,
        unbuilt.period_type,
        unbuilt.period,
        unbuilt.base_name,
        count(*) as units_compared,
        {{ exact_sum('unbuilt.observed') }} - coalesce(any_value(network_duplicates.counted_by_more_than_one_unit), 0)
            as network_observed,
        coalesce(any_value(network_duplicates.counted_by_more_than_one_unit), 0)
            as network_counted_by_more_than_one_unit,
        {{ exact_sum('unbuilt.base * unbuilt.months_reported') }} as network_base_months
    from unbuilt
    left join network_duplicates
        on unbuilt.metric_id = network_duplicates.metric_id
        and unbuilt.period_type = network_duplicates.period_type
        and unbuilt.period = network_duplicates.period
    group by unbuilt.metric_id, unbuilt.period_type, unbuilt.period, unbuilt.base_name
),

with_expected as (
    select
        unbuilt.*,
        network.units_compared,
        network.network_observed,
        network.network_counted_by_more_than_one_unit,
        network.network_base_months,
        unbuilt.base * unbuilt.months_reported as base_months,
        network.network_observed * unbuilt.base * unbuilt.months_reported / network.network_base_months
            as expected
    from unbuilt
    inner join network
        on unbuilt.metric_id = network.metric_id
        and unbuilt.period_type = network.period_type
        and unbuilt.period = network.period
        and unbuilt.base_name = network.base_name
),

limits as (
    {{ poisson_limits('with_expected', 'expected') }}
),

final as (
    select
        with_expected.rocu_code,
        with_expected.metric_id,
        with_expected.period_type,
        with_expected.period,
        with_expected.months_in_period,
        with_expected.months_reported,
        with_expected.months_reported < with_expected.months_in_period as is_part_period,
        with_expected.months_reported::varchar || ' of ' || with_expected.months_in_period::varchar || ' months'
            as months_label,
        with_expected.base_name,
        with_expected.base_label,
        with_expected.base_as_at,
        with_expected.base_is_provisional,
        with_expected.base,
        with_expected.rate_per,
        with_expected.rate_scale,
        with_expected.observed,
        with_expected.units_compared,
        with_expected.network_observed,
        with_expected.network_counted_by_more_than_one_unit,
        with_expected.expected,
        limits.lower_998 as lower_998_count,
        limits.lower_95 as lower_95_count,
        limits.upper_95 as upper_95_count,
        limits.upper_998 as upper_998_count,
        with_expected.observed * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.base_months as observed_rate,
        with_expected.network_observed * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.network_base_months as network_rate,
        limits.lower_998 * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.base_months as lower_998_rate,
        limits.lower_95 * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.base_months as lower_95_rate,
        limits.upper_95 * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.base_months as upper_95_rate,
        limits.upper_998 * with_expected.months_in_period * with_expected.rate_scale
            / with_expected.base_months as upper_998_rate,
        {{ band_against_limits('with_expected.observed', 'limits.lower_95', 'limits.upper_95') }} as band_95,
        {{ band_against_limits('with_expected.observed', 'limits.lower_998', 'limits.upper_998') }} as band_998,
        with_expected.expected < {{ var('funnel_small_expected', 10) }} as is_small_base
    from with_expected
    inner join limits on with_expected.expected = limits.expected
),

-- A place in the network's order only where it means something: the unit's count is outside
-- the 95% limits and it reported every month of the period. Where the band is 'similar' the
-- order is chance, and a part period's total is never ranked.
ranked as (
    select
        final.*,
        count(*) over (
            partition by final.metric_id, final.period_type, final.period, final.base_name
        ) as units_ranked,
        case when final.band_95 <> 'similar' and not final.is_part_period then rank() over (
            partition by final.metric_id, final.period_type, final.period, final.base_name
            order by final.observed_rate desc
        ) end as rank_shown
    from final
)

select
    ranked.*,
    {{ scope_fingerprint('fingerprints.inputs_fingerprint') }} as inputs_fingerprint,
    '{{ invocation_id }}' as built_in_run
from ranked
inner join fingerprints
    on ranked.metric_id = fingerprints.metric_id
    and ranked.period_type = fingerprints.period_type
    and ranked.period = fingerprints.period
    and ranked.base_name = fingerprints.base_name
