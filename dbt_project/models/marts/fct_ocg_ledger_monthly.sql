-- The OCG ledger: one row per OCG per month it was on the register (active, or archived that
-- month), with the disruptions against it weighted by impact level
-- (seeds/reference/impact_levels.csv), how long since it was last disrupted, its score 3 and
-- 6 months before and after, and whether it was dismantled after being disrupted. Rebuilt in
-- full at every build from dim_ocg_history and the disruptions, so a late disruption or a
-- re-scored group changes the earlier rows it touches.
-- Disruptions counted as everywhere else: validated, each once (int_disruptions__counted).
with history as (
    select * from {{ ref('dim_ocg_history') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

-- A group's disruptions are the network's: one two units both recorded counts once.
claims as (
    select * from {{ ref('int_disruptions__counted') }}
    where ocg_ref is not null and is_network_counted
),

window_months as (
    select
        min(valid_from_month) as first_month,
        max(last_seen_month) as last_month
    from history
),

-- Every month of each interval, a missing extract month carrying the state before it.
states as (
    select
        history.*,
        months.month,
        months.month_start
    from history
    cross join window_months
    inner join months
        on history.valid_from_month <= months.month
        and coalesce(history.valid_to_month, window_months.last_month) >= months.month
),

on_register as (
    select
        *,
        status = 'archived' as archived_in_month
    from states
    qualify status = 'active'
        or (status = 'archived' and lag(status) over (partition by ocg_ref order by month) = 'active')
),

disruptions as (
    select
        claims.ocg_ref,
        claims.month,
        count(*) as disruptions,
        count(*) filter (where claims.impact_level = 'major') as major_disruptions,
        count(*) filter (where claims.impact_level = 'moderate') as moderate_disruptions,
        count(*) filter (where claims.impact_level = 'minor') as minor_disruptions,
        coalesce(sum(claims.impact_weight), 0) as impact_weighted_disruptions
    from claims
    group by claims.ocg_ref, claims.month
),

with_disruptions as (
    select
        on_register.*,
        coalesce(disruptions.disruptions, 0) as disruptions,
        coalesce(disruptions.major_disruptions, 0) as major_disruptions,
        coalesce(disruptions.moderate_disruptions, 0) as moderate_disruptions,
        coalesce(disruptions.minor_disruptions, 0) as minor_disruptions,
        coalesce(disruptions.impact_weighted_disruptions, 0) as impact_weighted_disruptions,
        max(case when disruptions.disruptions > 0 then on_register.month_start end) over (
            partition by on_register.ocg_ref order by on_register.month
            rows between unbounded preceding and current row
        ) as last_disrupted_start
    from on_register
    left join disruptions
        on on_register.ocg_ref = disruptions.ocg_ref
        and on_register.month = disruptions.month
),

final as (
    select
        ledger.ocg_ref,
        ledger.month,
        ledger.rocu_code,
        ledger.owner_type,
        ledger.owner_code,
        ledger.threat_area_code,
        ledger.morile_score,
        ledger.morile_band,
        ledger.status,
        ledger.archived_in_month,
        ledger.archive_reason,
        ledger.date_mapped,
        datediff('month', date_trunc('month', ledger.date_mapped), ledger.month_start) as months_on_register,
        ledger.disruptions,
        ledger.major_disruptions,
        ledger.moderate_disruptions,
        ledger.minor_disruptions,
        ledger.impact_weighted_disruptions,
        ledger.disruptions > 0 as is_disrupted,
        strftime(ledger.last_disrupted_start, '%Y-%m') as last_disrupted_month,
        datediff('month', ledger.last_disrupted_start, ledger.month_start) as months_since_last_disrupted,
        case
            when datediff('month', cast(window_months.first_month || '-01' as date), ledger.month_start) + 1
                < {{ var('ledger_untouched_months', 6) }} then null
            else ledger.status = 'active'
                and datediff('month', date_trunc('month', ledger.date_mapped), ledger.month_start) + 1
                >= {{ var('ledger_untouched_months', 6) }}
                and coalesce(datediff('month', ledger.last_disrupted_start, ledger.month_start)
                    >= {{ var('ledger_untouched_months', 6) }}, true)
        end as is_untouched_6m,
        ledger.archived_in_month and ledger.archive_reason = 'dismantled'
        and ledger.last_disrupted_start is not null as is_dismantled_after_disruption,
        ledger.date_reviewed,
        datediff('month', date_trunc('month', ledger.date_reviewed), ledger.month_start) as months_since_review,
        ledger.status = 'active'
        and datediff('month', date_trunc('month', ledger.date_reviewed), ledger.month_start)
        > {{ var('ocg_review_months', 6) }} as is_review_overdue,
        before_6.morile_score as score_6m_before,
        before_3.morile_score as score_3m_before,
        after_3.morile_score as score_3m_after,
        after_6.morile_score as score_6m_after
    from with_disruptions as ledger
    cross join window_months
    left join on_register as before_6
        on ledger.ocg_ref = before_6.ocg_ref and before_6.month_start = ledger.month_start - interval 6 month
    left join on_register as before_3
        on ledger.ocg_ref = before_3.ocg_ref and before_3.month_start = ledger.month_start - interval 3 month
    left join on_register as after_3
        on ledger.ocg_ref = after_3.ocg_ref and after_3.month_start = ledger.month_start + interval 3 month
    left join on_register as after_6
        on ledger.ocg_ref = after_6.ocg_ref and after_6.month_start = ledger.month_start + interval 6 month
)

select * from final
