-- Rule: a disruption claimed by a force and by its ROCU counts once. A force claim is the
-- same disruption as a ROCU claim when both name the same OCG, date, threat area and
-- strand, and the force belonged to that ROCU on the date. The ROCU's claim is kept and
-- the force claim is marked as its duplicate (never deleted). Claims without an OCG
-- reference are never matched: there is nothing safe to match them on. Who led a claim is
-- int_disruptions__lead_role's rule: a ROCU claim is one the unit led, a force claim one
-- a force led (force_code).
with claims as (
    select * from {{ ref('int_disruptions__lead_role') }}
),

membership as (
    select * from {{ ref('int_force_membership_monthly') }}
),

rocu_claims as (
    select * from claims where lead_role = 'led'
),

force_claims as (
    select
        claims.*,
        membership.rocu_code as force_rocu_code
    from claims
    left join membership
        on claims.force_code = membership.force_code
        and claims.month = membership.month
    where claims.force_code is not null
),

matches as (
    select
        force_claims.disruption_ref as force_ref,
        min(rocu_claims.disruption_ref) as rocu_ref
    from force_claims
    inner join rocu_claims
        on force_claims.ocg_ref = rocu_claims.ocg_ref
        and force_claims.disruption_date = rocu_claims.disruption_date
        and force_claims.threat_area_code = rocu_claims.threat_area_code
        and force_claims.strand = rocu_claims.strand
        and force_claims.force_rocu_code = rocu_claims.rocu_code
    group by 1
),

final as (
    select
        claims.*,
        matches.rocu_ref as duplicate_of,
        matches.rocu_ref is null as is_counted
    from claims
    left join matches on claims.disruption_ref = matches.force_ref
)

select * from final
