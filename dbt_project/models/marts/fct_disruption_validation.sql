-- How far each unit keeps up with validating its disruption claims, per unit and period: the
-- claims of the macro validation_claims_by_period (the rules of backlog, lag and target, one
-- home, shared with fct_disruption_validation_claims, the drill-through's list) counted.
-- Lag median and 90th percentile interpolated (quantile_cont), to one decimal; the share within
-- target with its base.
with {{ validation_claims_by_period() }},

by_unit as (
    select
        claims_by_period.rocu_code,
        claims_by_period.period_type,
        claims_by_period.period,
        any_value(claims_by_period.months_in_period) as months_in_period,
        any_value(claims_by_period.months_covered) as months_covered,
        any_value(claims_by_period.period_end) as period_end,
        any_value(claims_by_period.target_days) as target_days,
        count(*) filter (where claims_by_period.is_made_in_period) as claims_made,
        count(*) filter (where claims_by_period.is_awaiting) as awaiting_at_end,
        max(claims_by_period.days_awaiting_at_end) as oldest_awaiting_days,
        count(*) filter (where claims_by_period.is_validated_in_period) as validated,
        round(quantile_cont(claims_by_period.days_to_decision, 0.5)
            filter (where claims_by_period.is_validated_in_period), 1) as median_days_to_validation,
        round(quantile_cont(claims_by_period.days_to_decision, 0.9)
            filter (where claims_by_period.is_validated_in_period), 1) as p90_days_to_validation,
        count(*) filter (where claims_by_period.is_validated_within_target) as validated_within_target
    from claims_by_period
    group by claims_by_period.rocu_code, claims_by_period.period_type, claims_by_period.period
),

final as (
    select
        rocu_code,
        period_type,
        period,
        months_in_period,
        months_covered,
        period_end,
        target_days,
        claims_made,
        awaiting_at_end,
        oldest_awaiting_days,
        validated,
        median_days_to_validation,
        p90_days_to_validation,
        validated_within_target,
        round(100.0 * validated_within_target / nullif(validated, 0), 1) as validated_within_target_pct,
        {{ is_small_base('validated') }} as is_small_base
    from by_unit
)

select * from final
