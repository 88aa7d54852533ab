-- Board quarters under both schemes, one row each: the financial-year quarter 2025-Q1 (April to
-- June 2025, FY 2025/26) and the calendar quarter 2025-C1 (January to March 2025). quarter_seq
-- orders quarters within a scheme (a trend of six quarters is quarter_seq - 5 to quarter_seq);
-- comparison_period_type/comparison_period name the quarter in fct_metric_comparison.
with months as (
    select * from {{ ref('dim_month') }}
),

bridge as (
    select * from {{ ref('int_month_quarters') }}
),

quarters as (
    select
        bridge.quarter,
        bridge.quarter_scheme,
        min(bridge.month) as first_month,
        max(bridge.month) as last_month,
        count(*) as months_in_quarter,
        min(months.financial_year) as financial_year,
        min(months.calendar_quarter) as calendar_quarter,
        min(months.financial_quarter) as financial_quarter,
        arg_min(months.month_label, bridge.month) as first_month_label,
        arg_max(months.month_label, bridge.month) as last_month_label
    from bridge
    inner join months on bridge.month = months.month
    group by all
),

final as (
    select
        quarter,
        quarter_scheme,
        4 * left(quarter, 4)::integer + right(quarter, 1)::integer - 1 as quarter_seq,
        first_month,
        last_month,
        months_in_quarter,
        split_part(first_month_label, ' ', 1) || ' to ' || last_month_label
        || case when quarter_scheme = 'financial' then ', financial year ' || financial_year else '' end
            as quarter_label,
        case when quarter_scheme = 'financial' then financial_year end as financial_year,
        case when quarter_scheme = 'financial' then 'financial_quarter' else 'quarter' end
            as comparison_period_type,
        case when quarter_scheme = 'financial' then financial_quarter else calendar_quarter end
            as comparison_period
    from quarters
)

select * from final
