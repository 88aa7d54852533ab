{#-
  Whether a row with an effective_from / effective_to (inclusive; no end: still in force) is in
  force on `day`: one rule for every dated reference table (governance, force membership).
-#}
{% macro in_force_on(alias, day) -%}
    ({{ alias }}.effective_from <= {{ day }}
    and ({{ alias }}.effective_to is null or {{ day }} <= {{ alias }}.effective_to))
{%- endmacro %}
