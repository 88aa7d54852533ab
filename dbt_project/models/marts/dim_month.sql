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
    financial_quarter
from months
