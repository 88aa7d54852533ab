-- The ledger rolled up by unit, threat area and period (month, calendar quarter, financial
-- quarter, financial year): how much of the high-band threat was disrupted, what was left
-- untouched, what was dismantled after disruption, and who holds the high-band groups.
-- Each group counts once per period, with what the register said about it in its last
-- month of the period (band, owner, threat area, untouched), so the threat areas of a unit
-- sum to the unit. Shares come with their base (n of N), never alone.
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

group_periods as (
    select
        ocg_ref,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(month) as last_month,
        arg_max(rocu_code, month) as rocu_code,
        arg_max(threat_area_code, month) as threat_area_code,
        arg_max(morile_band, month) as morile_band,
        arg_max(owner_type, month) as owner_type,
        arg_max(status, month) as status,
        arg_max(is_untouched_6m, month) as is_untouched_6m,
        sum(disruptions) as disruptions,
        sum(impact_weighted_disruptions) as impact_weighted_disruptions,
        bool_or(archived_in_month) as archived,
        bool_or(is_dismantled_after_disruption) as dismantled_after_disruption
    from periods
    group by ocg_ref, period_type, period
),

final as (
    select
        rocu_code,
        threat_area_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(last_month) as last_month,
        count(*) as ocgs,
        count(*) filter (where morile_band = 'high') as high_band_ocgs,
        count(*) filter (where morile_band = 'high' and disruptions > 0) as high_band_disrupted,
        round(100.0 * count(*) filter (where morile_band = 'high' and disruptions > 0)
            / nullif(count(*) filter (where morile_band = 'high'), 0), 1) as high_band_disrupted_pct,
        count(*) filter (where morile_band = 'high' and is_untouched_6m) as high_band_untouched_6m,
        count(*) filter (where morile_band = 'high' and is_untouched_6m is null) as high_band_untouched_unknown,
        count(*) filter (where archived) as archived,
        count(*) filter (where dismantled_after_disruption) as dismantled_after_disruption,
        coalesce(sum(disruptions), 0)::bigint as disruptions,
        coalesce(sum(impact_weighted_disruptions), 0)::bigint as impact_weighted_disruptions,
        count(*) filter (where morile_band = 'high' and status = 'active' and owner_type = 'force')
            as high_band_force_held,
        count(*) filter (where morile_band = 'high' and status = 'active' and owner_type = 'rocu')
            as high_band_rocu_held
    from group_periods
    group by rocu_code, threat_area_code, period_type, period
)

select * from final
