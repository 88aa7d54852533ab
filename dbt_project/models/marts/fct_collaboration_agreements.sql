-- Which forces are party to each unit's collaboration agreement for each capability, with effective
-- dates; a force missing from a capability keeps it itself. An empty effective_to: still in force.
with agreements as (
    select * from {{ ref('collaboration_agreements') }}
),

force_names as (
    select distinct force_code, force_name from {{ ref('forces') }}
),

final as (
    select
        agreements.rocu_code,
        agreements.agreement_ref,
        agreements.capability_code,
        capabilities.capability_name,
        agreements.force_code,
        force_names.force_name,
        agreements.effective_from,
        agreements.effective_to
    from agreements
    left join {{ ref('capabilities') }} as capabilities on agreements.capability_code = capabilities.capability_code
    left join force_names on agreements.force_code = force_names.force_code
)

select * from final
