-- Active OCGs and their MoRiLE scores by owner as the newest landed register extract says
-- they are now: the newest month of fct_ocg_threat_monthly, which holds the rule.
with monthly as (
    select * from {{ ref('fct_ocg_threat_monthly') }}
),

newest as (
    select max(month) as month from monthly
)

select monthly.* exclude (month)  -- noqa: RF02
from monthly
inner join newest on monthly.month = newest.month
