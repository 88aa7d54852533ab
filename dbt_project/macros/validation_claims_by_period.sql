{#- The one home of the validation rules for each counted disruption claim in each unit period
    (month, calendar quarter, financial-year quarter, financial year; month_periods), over the
    months the disruption extracts cover. Counted claims only: another agency's duplicate of the
    unit's claim is not a second claim to validate (int_disruptions__deduplicated). Dates are the
    extract's, so any past month end is rebuilt:
      backlog  a claim made by the period's last day and not decided by then (pending, or
               validated or rejected after it); a rejected claim with no date is decided.
      lag      days from claim_date to validation_date of a claim validated in the period.
      target   validated within the unit's target days (seeds/reference/disruption_validation_targets.csv).
    Expands to CTEs ending in claims_by_period: one row per unit period and claim made by its
    end (a unit period with no claim keeps one row with no claim). fct_disruption_validation
    counts them; fct_disruption_validation_claims lists them for the drill-through. -#}
{% macro validation_claims_by_period() %}
claims as (
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

claim_periods as (
    select
        unit_periods.*,
        targets.target_days,
        claims.disruption_ref,
        claims.claim_date,
        claims.validation_status,
        claims.validation_date,
        claims.claim_date >= unit_periods.period_start as is_made_in_period,
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
    left join targets on unit_periods.rocu_code = targets.rocu_code
),

claims_by_period as (
    select
        *,
        case when is_awaiting then date_diff('day', claim_date, period_end) end as days_awaiting_at_end,
        is_validated_in_period and days_to_decision <= target_days as is_validated_within_target
    from claim_periods
)
{% endmacro %}
