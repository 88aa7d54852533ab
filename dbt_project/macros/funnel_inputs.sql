{#- What each funnel comparison is made from, one digest per comparison (a metric, period and
    base, across units): the units' rows of fct_metric_rates on that base, the metric's and the
    base's catalogue rows, the network's double counts for the metric and period, and the small-base
    threshold. fct_metric_funnel is kept per comparison (macros/incremental_by_scope.sql): a refresh
    rebuilds the comparisons whose digest changed, not the history. A select in brackets, for the
    model's pre-hook and for the model itself (which stamps each row with its comparison's digest).
    Every rates column the funnel reads is digested, whether or not the row is compared: a row that
    becomes comparable changes the digest. The digest is the sum of the rows' hashes (order-free, as
    the publish compares tables; DuckDB's `hash`, so a new DuckDB may rebuild every comparison once):
    an MD5 of the rows as text took 0.2 s where this takes 0.03 s, most of a refresh's funnel. -#}
{% macro funnel_inputs() -%}
    (
        select
            rates.metric_id,
            rates.period_type,
            rates.period,
            rates.base_code as base_name,
            sum(hash(
                rates.rocu_code, rates.months_in_period, rates.months_reported, rates.value, rates.base_name,
                rates.base_as_at_label, rates.base_is_provisional, rates.base_value
            ))::varchar
            || '|'
            || any_value(hash(
                metrics.is_rateable, metrics.unit, metrics.time_aggregation, metrics.space_aggregation,
                rate_scales.per, rate_scales.rate_label, duplicates.counted_by_more_than_one_unit,
                {{ var('funnel_small_expected', 10) }}
            ))::varchar as inputs_fingerprint
        from {{ ref('fct_metric_rates') }} as rates
        left join {{ ref('dim_metric') }} as metrics on rates.metric_id = metrics.metric_id
        left join {{ ref('rate_scales') }} as rate_scales on rates.base_code = rate_scales.base_code
        left join {{ ref('int_metric_values__network_duplicates') }} as duplicates
            on rates.metric_id = duplicates.metric_id
            and rates.period_type = duplicates.period_type
            and rates.period = duplicates.period
        group by rates.metric_id, rates.period_type, rates.period, rates.base_code
    )
{%- endmacro %}


{#- A funnel comparison, the scope fct_metric_funnel and its curves are kept per: its columns. -#}
{% macro funnel_comparison() -%}
    {{ return(['metric_id', 'period_type', 'period', 'base_name']) }}
{%- endmacro %}


{#- The funnel curves' grid settings (dbt vars), in the digest of fct_metric_funnel_limits' rows. -#}
{% macro funnel_grid_settings() -%}
    {{ var('funnel_grid_points', 40) }}/{{ var('funnel_grid_per_doubling', 32) }}
{%- endmacro %}
