{#- A threat share's base too small to compare: fewer distinct high-band groups than var
    threat_small_base_groups (10 unless set), the one place that rule and its default live.
    Groups, not OCG-months: one group on the register all year is 12 months that move together. -#}
{% macro is_threat_small_base(groups) -%}
({{ groups }}) < {{ var('threat_small_base_groups', 10) }}
{%- endmacro %}
