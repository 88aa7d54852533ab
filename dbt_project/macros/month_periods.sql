{#- The periods a month belongs to, one row each: itself, its calendar quarter, its financial
    quarter and its financial year, with how many months each period has. `row` is a relation
    with dim_month's month, calendar_quarter, financial_quarter and financial_year. Used as
    `cross join lateral {{ month_periods('months') }}`, so every model rolls months up alike. -#}
{% macro month_periods(row) -%}
(
    values
        ('month', {{ row }}.month, 1),
        ('quarter', {{ row }}.calendar_quarter, 3),
        ('financial_quarter', {{ row }}.financial_quarter, 3),
        ('financial_year', {{ row }}.financial_year, 12)
) as period (period_type, period, months_in_period)
{%- endmacro %}
