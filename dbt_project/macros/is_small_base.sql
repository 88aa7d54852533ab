{#- A share's base too small to read as a percentage: below var share_small_base (10 unless set),
    the one place that rule and its default live. Pages then show the share as "n of N". -#}
{% macro is_small_base(base) -%}
({{ base }}) < {{ var('share_small_base', 10) }}
{%- endmacro %}
