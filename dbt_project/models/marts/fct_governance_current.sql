-- Each unit's governance in force on one day (the build's day, or the var governance_as_at): the
-- version of unit_governance whose dates hold that day (the latest starting, should two overlap),
-- whether the counter-corruption strategy had been adopted by then, and the collaboration agreements
-- and strategic governance groups in force that day. Every unit has a row, in force or not.
with as_at as (
    select
        {% if var('governance_as_at', none) %}cast('{{ var("governance_as_at") }}' as date)
        {% else %}current_date{% endif %} as as_at
),

in_force as (
    select governance.*
    from {{ ref('unit_governance') }} as governance
    cross join as_at
    where {{ in_force_on('governance', 'as_at.as_at') }}
    qualify row_number() over (partition by governance.rocu_code order by governance.effective_from desc) = 1
),

agreements as (
    select
        agreements.rocu_code,
        count(*) as agreements_in_force,
        count(distinct agreements.capability_code) as capabilities_agreed
    from {{ ref('collaboration_agreements') }} as agreements
    cross join as_at
    where {{ in_force_on('agreements', 'as_at.as_at') }}
    group by agreements.rocu_code
),

groups as (
    select
        groups.rocu_code,
        count(*) as strategic_groups,
        count(*) filter (where coalesce(groups.partners_attending, '') <> '') as groups_with_partners
    from {{ ref('strategic_governance_groups') }} as groups
    cross join as_at
    where {{ in_force_on('groups', 'as_at.as_at') }}
    group by groups.rocu_code
),

final as (
    select
        rocus.rocu_code,
        rocus.rocu_name,
        as_at.as_at,
        in_force.effective_from as version_from,
        in_force.chief_officer_post,
        in_force.dual_hatted,
        in_force.force_duties,
        in_force.employment_model,
        models.employment_model_name,
        in_force.board_cadence_weeks,
        in_force.board_chair_post,
        case when in_force.counter_corruption_strategy_adopted_on <= as_at.as_at
                then in_force.counter_corruption_strategy_adopted_on end as counter_corruption_adopted_on,
        coalesce(in_force.counter_corruption_strategy_adopted_on <= as_at.as_at, false)
            as counter_corruption_adopted,
        coalesce(agreements.agreements_in_force, 0) as agreements_in_force,
        coalesce(agreements.capabilities_agreed, 0) as capabilities_agreed,
        coalesce(groups.strategic_groups, 0) as strategic_groups,
        coalesce(groups.groups_with_partners, 0) as groups_with_partners
    from {{ ref('rocus') }} as rocus
    cross join as_at
    left join in_force on rocus.rocu_code = in_force.rocu_code
    left join {{ ref('employment_models') }} as models on in_force.employment_model = models.employment_model
    left join agreements on rocus.rocu_code = agreements.rocu_code
    left join groups on rocus.rocu_code = groups.rocu_code
)

select * from final
