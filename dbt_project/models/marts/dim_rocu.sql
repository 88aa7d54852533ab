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

peer_groups as (
    select rocu_code, peer_group_id, peer_group_name from {{ ref('peer_groups') }} where peer_group_id <> 'ALL'
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
        current_forces.force_names,
        peer_groups.peer_group_id,
        peer_groups.peer_group_name
    from rocus
    left join current_forces on rocus.rocu_code = current_forces.rocu_code
    left join peer_groups on rocus.rocu_code = peer_groups.rocu_code
)

select * from final
