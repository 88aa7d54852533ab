{#- How a base's as-at date reads in a rate label, by the style its denominator_bases row names:
    mid_year 'mid-2024' (mid-year estimates), date '31 March 2025' (snapshots), financial_year
    '2025/26' (the year starting on the date, for budgets). DuckDB's strftime needs a constant
    format, so the styles are a closed list here rather than a format string in the seed. -#}
{% macro as_at_label(as_at, style) -%}
    case {{ style }}
        when 'mid_year' then 'mid-' || year({{ as_at }})::varchar
        when 'date' then strftime({{ as_at }}, '%-d %B %Y')
        when 'financial_year' then year({{ as_at }})::varchar || '/' || right((year({{ as_at }}) + 1)::varchar, 2)
    end
{%- endmacro %}
