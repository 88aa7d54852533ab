-- Each month under both quarter schemes (two rows per month), so one quarterly rule serves
-- the financial-year papers (2025-Q1 = April to June 2025) and the calendar ones (2025-C1).
with months as (
    select * from {{ ref('dim_month') }}
)

select month, month_start, fy_quarter as quarter, 'financial' as quarter_scheme
from months
union all
select month, month_start, calendar_quarter_code as quarter, 'calendar' as quarter_scheme
from months
