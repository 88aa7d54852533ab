-- The 4Ps by substance, not by presence: for each unit, period, threat area and strand, the
-- unit's validated disruptions (each counted once, int_disruptions__counted) and the same
-- weighted by impact level (seeds/reference/impact_levels.csv), with the strand's share of the
-- area's impact-weighted disruptions. Every threat area x strand cell is present (zero when
-- nothing was done), so a gap in coverage shows. threat_area_code 'ALL' is the unit's strand
-- mix over every area: one minor prevent disruption beside 500 major pursue ones is 1 of 1,501
-- weighted, not one strand of two "with a figure".
with claims as (
    select * from {{ ref('int_disruptions__counted') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

strands as (
    select * from {{ ref('strands') }}
    where strand_code <> 'all'
),

threat_areas as (
    select threat_area_code, threat_area_name, sort_order from {{ ref('threat_areas') }}
    union all
    select 'ALL', 'All threat areas', 0
),

weighted as (
    select
        claims.rocu_code,
        claims.threat_area_code,
        claims.strand,
        period.period_type,
        period.period,
        period.months_in_period,
        claims.month,
        claims.impact_weight as weight
    from claims
    inner join months on claims.month = months.month
    cross join lateral {{ month_periods('months') }}
),

cells as (
    select
        rocu_code,
        case when grouping(threat_area_code) = 1 then 'ALL' else threat_area_code end as threat_area_code,
        strand,
        period_type,
        period,
        count(*) as disruptions,
        sum(weight) as impact_weighted_disruptions
    from weighted
    group by grouping sets (
        (rocu_code, threat_area_code, strand, period_type, period),
        (rocu_code, strand, period_type, period)
    )
),

unit_periods as (
    select
        rocu_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        max(month) as last_month
    from weighted
    group by all
),

grid as (
    select
        unit_periods.*,
        threat_areas.threat_area_code,
        threat_areas.threat_area_name,
        threat_areas.sort_order as threat_area_sort_order,
        strands.strand_code,
        strands.strand_name,
        strands.sort_order as strand_sort_order
    from unit_periods
    cross join threat_areas
    cross join strands
),

final as (
    select
        grid.rocu_code,
        grid.period_type,
        grid.period,
        grid.months_in_period,
        grid.last_month,
        grid.threat_area_code,
        grid.threat_area_name,
        grid.threat_area_sort_order,
        grid.strand_code,
        grid.strand_name,
        grid.strand_sort_order,
        coalesce(cells.disruptions, 0) as disruptions,
        coalesce(cells.impact_weighted_disruptions, 0) as impact_weighted_disruptions,
        sum(coalesce(cells.impact_weighted_disruptions, 0)) over by_area as area_impact_weighted_disruptions,
        round(
            100.0 * coalesce(cells.impact_weighted_disruptions, 0)
            / nullif(sum(coalesce(cells.impact_weighted_disruptions, 0)) over by_area, 0), 1
        ) as impact_weighted_share_pct,
        round(100.0 * coalesce(cells.disruptions, 0) / nullif(sum(coalesce(cells.disruptions, 0)) over by_area, 0), 1)
            as count_share_pct,
        coalesce(cells.disruptions, 0) > 0 as is_covered
    from grid
    left join cells
        on grid.rocu_code = cells.rocu_code
        and grid.threat_area_code = cells.threat_area_code
        and grid.strand_code = cells.strand
        and grid.period_type = cells.period_type
        and grid.period = cells.period
    window by_area as (partition by grid.rocu_code, grid.period_type, grid.period, grid.threat_area_code)
)

select * from final
