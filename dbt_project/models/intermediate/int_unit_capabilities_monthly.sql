-- Which capabilities each unit had in each month (seeds/resources/unit_capabilities.csv): a
-- capability counts for a month when its dates cover the month's first day, as force
-- membership does (int_force_membership_monthly). One row per unit, month and capability held.
with months as (
    select * from {{ ref('dim_month') }}
),

held as (
    select * from {{ ref('unit_capabilities') }}
)

select distinct
    held.rocu_code,
    months.month,
    held.capability_code
from held
inner join months
    on held.available_from <= months.month_start
    and (held.available_to is null or held.available_to >= months.month_start)
