-- The claims behind each unit's validation figures in each period (fct_disruption_validation),
-- for the drill-through: every counted claim made in the period, awaiting validation at its end
-- or validated in it, with the flags that say which figures it counts in. The rules are the
-- macro validation_claims_by_period's, the same rows fct_disruption_validation counts.
with {{ validation_claims_by_period() }}

select
    rocu_code,
    period_type,
    period,
    period_end,
    target_days,
    disruption_ref,
    claim_date,
    validation_status,
    validation_date,
    is_made_in_period,
    is_awaiting,
    days_awaiting_at_end,
    is_validated_in_period,
    case when is_validated_in_period then days_to_decision end as days_to_validation,
    is_validated_within_target
from claims_by_period
where disruption_ref is not null
    and (is_made_in_period or is_awaiting or is_validated_in_period)
