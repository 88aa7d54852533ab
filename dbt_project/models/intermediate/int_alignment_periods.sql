-- The financial years the golden-thread marts cover: each year's months inside the OCG ledger's
-- window (the threat basis), with the first and last day so operations and meetings can be
-- placed in them. A year the window covers only in part says so (months_in_period < 12).
with months as (
    select * from {{ ref('dim_month') }}
),

window_months as (
    select
        min(month) as first_month,
        max(month) as last_month
    from {{ ref('fct_ocg_ledger_monthly') }}
),

final as (
    select
        months.financial_year,
        min(months.month) as first_month,
        max(months.month) as last_month,
        min(months.month_start) as period_start,
        max(months.month_end) as period_end,
        count(*)::integer as months_in_period
    from months
    inner join window_months
        on months.month between window_months.first_month and window_months.last_month
    group by months.financial_year
)

select * from final
