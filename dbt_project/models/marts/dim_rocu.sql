with rocus as (
    select * from {{ ref('rocus') }}
),

current_forces as (
    select
        rocu_code,
        count(*) as force_count,
        string_agg(force_name, ', ' order by force_name) as force_names
    from {{ ref('forces') }}
    where effective_to is null
    group by rocu_code
),

final as (
    select
        rocus.rocu_code,
        rocus.rocu_name,
        rocus.brand,
        rocus.former_names,
        rocus.country,
        rocus.lead_force_code,
        current_forces.force_count,
        current_forces.force_names
    from rocus
    left join current_forces on rocus.rocu_code = current_forces.rocu_code
)

select * from final
