-- The one rule for whether the unit led a disruption or supported it. Led: the lead agency
-- is a ROCU and it is the claim's own unit (or the record names no unit). Supported: a force
-- led it, or another ROCU did. Not recorded: no lead agency, or one that is neither. Every
-- model that splits led from supported reads lead_role from here, never lead_agency_type.
with claims as (
    select * from {{ ref('stg_apmis__disruptions') }}
),

final as (
    select
        claims.*,
        case
            when claims.lead_agency_type = 'rocu'
                and coalesce(claims.lead_unit_code, claims.rocu_code) = claims.rocu_code then 'led'
            when claims.lead_agency_type in ('rocu', 'force') then 'supported'
            else 'not_recorded'
        end as lead_role,
        case when claims.lead_agency_type = 'force' then claims.lead_unit_code end as force_code
    from claims
)

select * from final
