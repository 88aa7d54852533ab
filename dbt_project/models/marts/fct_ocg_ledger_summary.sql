-- The ledger rolled up by unit, threat area and period (month, calendar quarter, financial
-- quarter, financial year): how much of the high-band threat was disrupted, what was left
-- untouched, what was dismantled after disruption, and who holds the high-band groups.
-- Each group counts once per period, with what the register said about it in its last
-- month of the period (band, owner, threat area, untouched): the rows of
-- fct_ocg_ledger_period_groups, which the drill-through lists behind each figure. So the
-- threat areas of a unit sum to the unit's row (threat_area_code 'ALL'). Shares come with their base (n of N);
-- a base below var share_small_base is marked small.
with group_periods as (
    select * from {{ ref('fct_ocg_ledger_period_groups') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

counts as (
    select
        rocu_code,
        case when grouping(threat_area_code) = 1 then 'ALL' else coalesce(threat_area_code, 'UNKNOWN') end as area_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(last_month) as last_month,
        count(*) as ocgs,
        count(*) filter (where morile_band = 'high') as high_band_ocgs,
        count(*) filter (where morile_band = 'high' and is_disrupted) as high_band_disrupted,
        round(100.0 * count(*) filter (where morile_band = 'high' and is_disrupted)
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
            as high_band_rocu_held,
        count(*) filter (where status = 'active') as active_ocgs,
        count(*) filter (where is_review_overdue) as reviews_overdue
    from group_periods
    group by grouping sets ((rocu_code, threat_area_code, period_type, period), (rocu_code, period_type, period))
),

final as (
    select
        counts.rocu_code,
        counts.area_code as threat_area_code,
        coalesce(threat_areas.threat_area_name, 'All threat areas') as threat_area_name,
        counts.period_type,
        counts.period,
        counts.months_in_period,
        counts.last_month,
        counts.ocgs,
        counts.high_band_ocgs,
        counts.high_band_disrupted,
        counts.high_band_disrupted_pct,
        {{ is_small_base('counts.high_band_ocgs') }} as is_small_base,
        counts.high_band_untouched_6m,
        counts.high_band_untouched_unknown,
        counts.archived,
        counts.dismantled_after_disruption,
        counts.disruptions,
        counts.impact_weighted_disruptions,
        counts.high_band_force_held,
        counts.high_band_rocu_held,
        counts.active_ocgs,
        counts.reviews_overdue
    from counts
    left join threat_areas on counts.area_code = threat_areas.threat_area_code
)

select * from final
