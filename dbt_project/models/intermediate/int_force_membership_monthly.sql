-- Which unit each force belonged to in each month: membership is dated reference data
-- (a force can move unit), so every join from force to unit goes through this model.
with months as (
    select * from {{ ref('calendar_months') }}
),

forces as (
    select * from {{ ref('forces') }}
),

final as (
    select
        months.month,
        forces.force_code,
        forces.force_name,
        forces.rocu_code
    from months
    inner join forces
        on {{ in_force_on('forces', 'months.month_start') }}
)

select * from final
