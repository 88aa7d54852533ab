{#- The sum of a column of doubles, the same to the last bit whichever order DuckDB adds the rows in.
    DuckDB aggregates in parallel, so a plain sum of fractions (£, FTE, a rate's base) can come out a
    last digit apart from one build of the same inputs to the next, and with it every rate, limit and
    band computed from it: the publish then copies marts whose figures did not change. Each value is
    rounded to 10 decimal places and added as a decimal, which is exact; sums of whole numbers are
    unchanged. -#}
{% macro exact_sum(expression) -%}
sum(({{ expression }})::decimal(38, 10))::double
{%- endmacro %}

{#- The mean as exact_sum adds it. -#}
{% macro exact_avg(expression) -%}
({{ exact_sum(expression) }} / count({{ expression }}))
{%- endmacro %}
