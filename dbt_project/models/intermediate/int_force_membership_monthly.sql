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
        on months.month_start >= forces.effective_from
        and (forces.effective_to is null or months.month_start <= forces.effective_to)
)

select * from final
