-- Each unit's governance, every version with its effective dates: the chief officer post and whether
-- it is dual-hatted with force duties, the employment model, the regional board's cadence and chair,
-- and when the forces adopted a counter-corruption strategy. An empty effective_to: still in force.
with governance as (
    select * from {{ ref('unit_governance') }}
),

force_names as (
    select distinct force_code, force_name from {{ ref('forces') }}
),

final as (
    select
        governance.rocu_code,
        rocus.rocu_name,
        governance.effective_from,
        governance.effective_to,
        governance.chief_officer_post,
        governance.dual_hatted,
        governance.force_duties,
        governance.employment_model,
        models.employment_model_name,
        governance.employing_force_code,
        force_names.force_name as employing_force_name,
        governance.board_cadence_weeks,
        round(52.0 / governance.board_cadence_weeks, 1) as board_meetings_per_year,
        governance.board_chair_post,
        governance.counter_corruption_strategy_adopted_on,
        governance.note
    from governance
    inner join {{ ref('rocus') }} as rocus on governance.rocu_code = rocus.rocu_code
    left join {{ ref('employment_models') }} as models on governance.employment_model = models.employment_model
    left join force_names on governance.employing_force_code = force_names.force_code
)

select * from final
