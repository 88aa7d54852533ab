-- The capability register per unit and month: every capability of seeds/resources/capabilities.csv
-- for every unit and month, whether the unit had it then, and the dates of the spell it falls in.
with capabilities as (
    select * from {{ ref('capabilities') }}
),

held as (
    select * from {{ ref('int_unit_capabilities_monthly') }}
),

spells as (
    select * from {{ ref('unit_capabilities') }}
),

grid as (
    select rocu.rocu_code, months.month, months.month_start, capabilities.*
    from {{ ref('dim_rocu') }} as rocu
    cross join {{ ref('dim_month') }} as months
    cross join capabilities
),

final as (
    select
        grid.rocu_code,
        grid.month,
        grid.capability_code,
        grid.capability_name,
        grid.tier,
        held.capability_code is not null as is_available,
        max(spells.available_from) as available_from,
        max(spells.available_to) as available_to
    from grid
    left join held
        on grid.rocu_code = held.rocu_code
        and grid.month = held.month
        and grid.capability_code = held.capability_code
    left join spells
        on grid.rocu_code = spells.rocu_code
        and grid.capability_code = spells.capability_code
        and grid.month_start >= spells.available_from
        and (spells.available_to is null or grid.month_start <= spells.available_to)
    group by all
)

select * from final
