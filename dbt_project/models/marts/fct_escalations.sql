-- OCGs forces escalated to their unit ("ask, not task", HMICFRS 2021), one row per escalation:
-- the force, the group (by reference, never a name) with its MoRiLE band in the month it was
-- escalated (dim_ocg_history), when it was asked, and the unit's decision, its date, the days it
-- took and why a declined group stays with the force.
with escalations as (
    select * from {{ ref('stg_apmis__escalations') }}
),

ocgs as (
    select * from {{ ref('dim_ocg_history') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

decisions as (
    select * from {{ ref('escalation_decisions') }}
),

reasons as (
    select * from {{ ref('escalation_decline_reasons') }}
),

final as (
    select
        escalations.escalation_ref,
        escalations.rocu_code,
        escalations.force_code,
        escalations.ocg_ref,
        escalations.threat_area_code,
        threat_areas.threat_area_name,
        ocgs.morile_band as morile_band_when_asked,
        escalations.requested_date,
        strftime(escalations.requested_date, '%Y-%m') as requested_month,
        months.financial_year,
        escalations.decision,
        decisions.decision_name,
        decisions.is_decided,
        escalations.decision_date,
        escalations.days_to_decision,
        escalations.decline_reason,
        reasons.reason_name as decline_reason_name
    from escalations
    inner join months on strftime(escalations.requested_date, '%Y-%m') = months.month
    left join threat_areas on escalations.threat_area_code = threat_areas.threat_area_code
    left join decisions on escalations.decision = decisions.decision
    left join reasons on escalations.decline_reason = reasons.decline_reason
    left join ocgs
        on escalations.ocg_ref = ocgs.ocg_ref
        and strftime(escalations.requested_date, '%Y-%m') >= ocgs.valid_from_month
        and strftime(escalations.requested_date, '%Y-%m') <= coalesce(ocgs.valid_to_month, '9999-12')
)

select * from final
