-- The OCG ledger's groups by period (month, calendar quarter, financial quarter, financial
-- year): one row per group per period it was on the register, with what the register said
-- about it in its last month of the period (band, owner, threat area, untouched) and what
-- happened to it across the period (disruptions, archived, dismantled after disruption).
-- The one home of "each group counts once per period with its last state": the ledger
-- summary counts these rows, and the drill-through lists them behind each of its figures.
with ledger as (
    select * from {{ ref('fct_ocg_ledger_monthly') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

periods as (
    select
        ledger.*,
        period.period_type,
        period.period,
        period.months_in_period
    from ledger
    inner join months on ledger.month = months.month
    cross join lateral {{ month_periods('months') }}
),

final as (
    select
        ocg_ref,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        min(month) as first_month,
        max(month) as last_month,
        count(*) as ledger_months,
        arg_max(rocu_code, month) as rocu_code,
        arg_max(threat_area_code, month) as threat_area_code,
        arg_max(morile_band, month) as morile_band,
        arg_max(morile_score, month) as morile_score,
        arg_max(owner_type, month) as owner_type,
        arg_max(owner_code, month) as owner_code,
        arg_max(status, month) as status,
        arg_max(is_untouched_6m, month) as is_untouched_6m,
        arg_max(is_review_overdue, month) as is_review_overdue,
        arg_max(last_disrupted_month, month) as last_disrupted_month,
        arg_max(months_since_last_disrupted, month) as months_since_last_disrupted,
        sum(disruptions) as disruptions,
        sum(impact_weighted_disruptions) as impact_weighted_disruptions,
        sum(disruptions) > 0 as is_disrupted,
        bool_or(archived_in_month) as archived,
        bool_or(is_dismantled_after_disruption) as dismantled_after_disruption
    from periods
    group by ocg_ref, period_type, period
)

select * from final
