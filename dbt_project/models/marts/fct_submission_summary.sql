-- How many returns were on time, late, missing, rejected, failed or pending, for each unit
-- and for the whole network, in each financial year and over every month in the warehouse:
-- the submissions page's headline counts (a unit's people see their own unit's row).
-- 'ALL' in rocu_code or financial_year marks the row that covers all of them.
with status as (
    select * from {{ ref('fct_submission_status') }}
),

final as (
    select
        coalesce(rocu_code, 'ALL') as rocu_code,
        coalesce(financial_year, 'ALL') as financial_year,
        count(*) as returns_due,
        count(distinct rocu_code) as units,
        count(distinct month) as months,
        count(*) filter (where status = 'on_time') as on_time,
        count(*) filter (where status = 'late') as late,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where status = 'rejected') as rejected,
        count(*) filter (where status = 'failed') as failed,
        count(*) filter (where status = 'pending') as pending
    from status
    group by grouping sets ((rocu_code, financial_year), (rocu_code), (financial_year), ())
)

select * from final
