-- Did the MoRiLE score of a group fall after a major or moderate disruption more than it fell
-- for groups nobody disrupted? The matched comparison's events (the macro
-- disruption_effect_events, which holds the rules, docs/disruption-effect.md) rolled up by unit,
-- threat area (and 'ALL') and period of the disruption month, with both sides' sizes. The events
-- themselves are listed, for the drill-through, in fct_ocg_disruption_events.
-- Rebuilt in full at every build, so a later extract that re-scores a group changes the rows
-- of the months before it.
with {{ disruption_effect_events() }},

periods as (
    select
        events.*,
        period.period_type,
        period.period,
        period.months_in_period
    from events
    inner join months on events.month = months.month
    cross join lateral {{ month_periods('months') }}
),

rolled as (
    select
        rocu_code,
        case when grouping(threat_area_code) = 1 then 'ALL' else coalesce(threat_area_code, 'UNKNOWN') end
            as area_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(month) as last_month,
        months_after,
        count(*) filter (where comparison_groups > 0) as events,
        count(distinct ocg_ref) filter (where comparison_groups > 0) as disrupted_groups,
        count(*) filter (where comparison_groups is null) as events_unmatched,
        avg(score_change) filter (where comparison_groups > 0) as disrupted_mean_change,
        avg(comparison_mean_change) filter (where comparison_groups > 0) as comparison_mean_change
    from periods
    group by grouping sets (
        (rocu_code, threat_area_code, period_type, period, months_after),
        (rocu_code, period_type, period, months_after)
    )
),

matched_cells as (
    select distinct
        rocu_code,
        threat_area_code,
        morile_band,
        month,
        months_after,
        period_type,
        period
    from periods
    where comparison_groups > 0
),

-- the undisrupted groups behind the matched cells, each counted once however often it matched
comparison_sides as (
    select
        cells.rocu_code,
        case when grouping(cells.threat_area_code) = 1 then 'ALL' else coalesce(cells.threat_area_code, 'UNKNOWN') end
            as area_code,
        cells.period_type,
        cells.period,
        cells.months_after,
        count(distinct changes.ocg_ref) as comparison_groups
    from matched_cells as cells
    inner join changes
        on cells.month = changes.month
        and cells.morile_band = changes.morile_band
        and cells.threat_area_code = changes.threat_area_code
        and cells.months_after = changes.months_after
        and changes.is_undisrupted
    group by grouping sets (
        (cells.rocu_code, cells.threat_area_code, cells.period_type, cells.period, cells.months_after),
        (cells.rocu_code, cells.period_type, cells.period, cells.months_after)
    )
),

sides as (
    select
        rolled.*,
        comparison_sides.comparison_groups
    from rolled
    left join comparison_sides
        on rolled.rocu_code = comparison_sides.rocu_code
        and rolled.area_code = comparison_sides.area_code
        and rolled.period_type = comparison_sides.period_type
        and rolled.period = comparison_sides.period
        and rolled.months_after = comparison_sides.months_after
),

wide as (
    select
        rocu_code,
        area_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(last_month) as last_month,
        any_value(events) filter (where months_after = 3) as events_3m,
        any_value(disrupted_groups) filter (where months_after = 3) as disrupted_groups_3m,
        any_value(events_unmatched) filter (where months_after = 3) as events_unmatched_3m,
        any_value(disrupted_mean_change) filter (where months_after = 3) as disrupted_mean_change_3m,
        any_value(comparison_mean_change) filter (where months_after = 3) as comparison_mean_change_3m,
        any_value(comparison_groups) filter (where months_after = 3) as comparison_groups_3m,
        any_value(events) filter (where months_after = 6) as events_6m,
        any_value(disrupted_groups) filter (where months_after = 6) as disrupted_groups_6m,
        any_value(events_unmatched) filter (where months_after = 6) as events_unmatched_6m,
        any_value(disrupted_mean_change) filter (where months_after = 6) as disrupted_mean_change_6m,
        any_value(comparison_mean_change) filter (where months_after = 6) as comparison_mean_change_6m,
        any_value(comparison_groups) filter (where months_after = 6) as comparison_groups_6m
    from sides
    group by all
),

final as (
    select
        wide.rocu_code,
        wide.area_code as threat_area_code,
        coalesce(threat_areas.threat_area_name, 'All threat areas') as threat_area_name,
        wide.period_type,
        wide.period,
        wide.months_in_period,
        wide.last_month,
        coalesce(wide.events_3m, 0) as events_3m,
        coalesce(wide.disrupted_groups_3m, 0) as disrupted_groups_3m,
        coalesce(wide.events_unmatched_3m, 0) as events_unmatched_3m,
        coalesce(wide.comparison_groups_3m, 0) as comparison_groups_3m,
        round(wide.disrupted_mean_change_3m, 2) as disrupted_mean_change_3m,
        round(wide.comparison_mean_change_3m, 2) as comparison_mean_change_3m,
        round(wide.disrupted_mean_change_3m - wide.comparison_mean_change_3m, 2) as difference_3m,
        {{ is_small_base('coalesce(wide.disrupted_groups_3m, 0)') }}
        or {{ is_small_base('coalesce(wide.comparison_groups_3m, 0)') }} as is_small_base_3m,
        coalesce(wide.events_6m, 0) as events_6m,
        coalesce(wide.disrupted_groups_6m, 0) as disrupted_groups_6m,
        coalesce(wide.events_unmatched_6m, 0) as events_unmatched_6m,
        coalesce(wide.comparison_groups_6m, 0) as comparison_groups_6m,
        round(wide.disrupted_mean_change_6m, 2) as disrupted_mean_change_6m,
        round(wide.comparison_mean_change_6m, 2) as comparison_mean_change_6m,
        round(wide.disrupted_mean_change_6m - wide.comparison_mean_change_6m, 2) as difference_6m,
        {{ is_small_base('coalesce(wide.disrupted_groups_6m, 0)') }}
        or {{ is_small_base('coalesce(wide.comparison_groups_6m, 0)') }} as is_small_base_6m
    from wide
    left join threat_areas on wide.area_code = threat_areas.threat_area_code
)

select * from final
