{#- The peer medians of a unit's rates: the median over the units of its group for the same metric
    and period (the rule fct_metric_comparison and fct_metric_peer_comparison share). A unit that is
    not grouped gets none: it has no peers to be the median of. -#}
{% macro peer_median_columns(rel, group_col, grouped_col) -%}
{%- set over = 'over (partition by ' ~ rel ~ '.metric_id, ' ~ rel ~ '.period_type, ' ~ rel ~ '.period, '
    ~ rel ~ '.' ~ group_col ~ ')' -%}
case when {{ rel }}.{{ grouped_col }} then median({{ rel }}.per_100k_population) {{ over }} end
            as peer_median_per_100k,
        case when {{ rel }}.{{ grouped_col }} then count(*) {{ over }} end as peer_units_reporting,
        case when {{ rel }}.{{ grouped_col }}
            then {{ rel }}.per_100k_population - median({{ rel }}.per_100k_population) {{ over }} end
            as per_100k_minus_peer_median,
        case when {{ rel }}.{{ grouped_col }} then median({{ rel }}.per_officer) {{ over }} end
            as peer_median_per_officer,
        case when {{ rel }}.{{ grouped_col }} then median({{ rel }}.value) {{ over }} end as peer_median_value,
        case when {{ rel }}.{{ grouped_col }} then median({{ rel }}.officer_rate) {{ over }} end
            as peer_median_officer_rate
{%- endmacro %}
