-- One row per month. Two quarter schemes, written so they cannot be mistaken for each other:
--   fy_quarter             '2025-Q1' = April to June 2025, the first quarter of financial year 2025/26
--                          (Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March)
--   calendar_quarter_code  '2025-C1' = January to March 2025
-- calendar_quarter ('2025-Q1' = January to March) is kept for the marts that already use it.
with months as (
    select * from {{ ref('calendar_months') }}
)

select
    month,
    month_start,
    last_day(month_start) as month_end,
    month_label,
    calendar_year,
    month_of_year,
    calendar_quarter,
    financial_year,
    financial_month,
    financial_quarter,
    left(financial_year, 4) || '-Q' || ((financial_month - 1) // 3 + 1)::varchar as fy_quarter,
    calendar_year::varchar || '-C' || ((month_of_year - 1) // 3 + 1)::varchar as calendar_quarter_code
from months
