-- The one rule for whether the unit led a disruption or supported it. Led: the lead agency
-- is a ROCU and it is the claim's own unit (or the record names no unit). Supported: a force
-- led it (force_led), or another ROCU did (other_rocu_led). Not recorded: no lead agency, or
-- one that is neither. Every model that splits led from supported reads lead_role (or, for who
-- led a supported disruption, lead) from here, never lead_agency_type.
with claims as (
    select * from {{ ref('stg_apmis__disruptions') }}
),

with_lead as (
    select
        claims.*,
        case
            when claims.lead_agency_type = 'rocu'
                and coalesce(claims.lead_unit_code, claims.rocu_code) = claims.rocu_code then 'led'
            when claims.lead_agency_type = 'force' then 'force_led'
            when claims.lead_agency_type = 'rocu' then 'other_rocu_led'
            else 'not_recorded'
        end as lead
    from claims
),

final as (
    select
        with_lead.*,
        case
            when with_lead.lead in ('force_led', 'other_rocu_led') then 'supported'
            else with_lead.lead
        end as lead_role,
        case when with_lead.lead_agency_type = 'force' then with_lead.lead_unit_code end as force_code
    from with_lead
)

select * from final
