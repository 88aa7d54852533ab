-- Rule: a disruption claimed by the unit and by another agency counts once. Another agency's
-- claim (claiming_agency force, nca, hmrc, border_force or other) is the same disruption as
-- the unit's own claim (claiming_agency rocu, whoever led it) when both name the same OCG,
-- date, threat area and strand in the same unit; a force's claim that names its force
-- (force_code, int_disruptions__lead_role) matches only if that force belonged to the unit
-- on the date. The unit's claim is kept and the other claim is marked as its duplicate
-- (never deleted). Claims without an OCG reference are never matched: there is nothing safe
-- to match them on.
with claims as (
    select * from {{ ref('int_disruptions__lead_role') }}
),

membership as (
    select * from {{ ref('int_force_membership_monthly') }}
),

unit_claims as (
    select * from claims where claiming_agency = 'rocu'
),

other_claims as (
    select
        claims.*,
        case
            when claims.claiming_agency = 'force' and claims.force_code is not null then membership.rocu_code
            else claims.rocu_code
        end as matching_rocu_code
    from claims
    left join membership
        on claims.force_code = membership.force_code
        and claims.month = membership.month
    where claims.claiming_agency <> 'rocu'
),

matches as (
    select
        other_claims.disruption_ref as other_ref,
        min(unit_claims.disruption_ref) as unit_ref
    from other_claims
    inner join unit_claims
        on other_claims.ocg_ref = unit_claims.ocg_ref
        and other_claims.disruption_date = unit_claims.disruption_date
        and other_claims.threat_area_code = unit_claims.threat_area_code
        and other_claims.strand = unit_claims.strand
        and other_claims.matching_rocu_code = unit_claims.rocu_code
    group by 1
),

final as (
    select
        claims.*,
        matches.unit_ref as duplicate_of,
        matches.unit_ref is null as is_counted
    from claims
    left join matches on claims.disruption_ref = matches.other_ref
)

select * from final
