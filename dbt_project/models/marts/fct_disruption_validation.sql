-- How far each unit keeps up with validating its disruption claims, per unit and period (month,
-- calendar quarter, financial-year quarter, financial year). Counted claims only: another
-- agency's duplicate of the unit's claim is not a second claim to validate
-- (int_disruptions__deduplicated). Dates are the extract's, so any past month end is rebuilt:
--   backlog  claims made by the period's last day and not decided by then (pending, or validated
--            or rejected after it); a rejected claim with no date is decided, not waiting.
--   lag      days from claim_date to validation_date of the claims validated in the period;
--            median and 90th percentile interpolated (quantile_cont), to one decimal.
--   target   the share of those validated within the unit's target days
--            (seeds/reference/disruption_validation_targets.csv), with its base.
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
    where is_counted
),

targets as (
    select * from {{ ref('disruption_validation_targets') }}
),

units as (
    select rocu_code from {{ ref('dim_rocu') }}
),

months as (
    select * from {{ ref('dim_month') }}
    where month between (select min(claims.month) from claims) and (select max(claims.month) from claims)
),

unit_periods as (
    select
        units.rocu_code,
        period.period_type,
        period.period,
        any_value(period.months_in_period) as months_in_period,
        count(*) as months_covered,
        min(months.month_start) as period_start,
        max(months.month_end) as period_end
    from units
    cross join months
    cross join lateral {{ month_periods('months') }}
    group by units.rocu_code, period.period_type, period.period
),

claims_by_period as (
    select
        unit_periods.*,
        claims.claim_date,
        claims.validation_status,
        claims.validation_date,
        date_diff('day', claims.claim_date, claims.validation_date) as days_to_decision,
        claims.validation_date > unit_periods.period_end
        or (claims.validation_date is null and claims.validation_status = 'pending') as is_awaiting,
        claims.validation_status = 'validated'
        and claims.validation_date between unit_periods.period_start
        and unit_periods.period_end as is_validated_in_period
    from unit_periods
    left join claims
        on unit_periods.rocu_code = claims.rocu_code
        and unit_periods.period_end >= claims.claim_date
),

by_unit as (
    select
        claims_by_period.rocu_code,
        claims_by_period.period_type,
        claims_by_period.period,
        any_value(claims_by_period.months_in_period) as months_in_period,
        any_value(claims_by_period.months_covered) as months_covered,
        any_value(claims_by_period.period_end) as period_end,
        any_value(targets.target_days) as target_days,
        count(*) filter (where claims_by_period.claim_date >= claims_by_period.period_start) as claims_made,
        count(*) filter (where claims_by_period.is_awaiting) as awaiting_at_end,
        max(date_diff('day', claims_by_period.claim_date, claims_by_period.period_end))
            filter (where claims_by_period.is_awaiting) as oldest_awaiting_days,
        count(*) filter (where claims_by_period.is_validated_in_period) as validated,
        round(quantile_cont(claims_by_period.days_to_decision, 0.5)
            filter (where claims_by_period.is_validated_in_period), 1) as median_days_to_validation,
        round(quantile_cont(claims_by_period.days_to_decision, 0.9)
            filter (where claims_by_period.is_validated_in_period), 1) as p90_days_to_validation,
        count(*) filter (
            where claims_by_period.is_validated_in_period and claims_by_period.days_to_decision <= targets.target_days
        ) as validated_within_target
    from claims_by_period
    left join targets on claims_by_period.rocu_code = targets.rocu_code
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
