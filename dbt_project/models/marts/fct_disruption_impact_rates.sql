-- Impact-weighted disruptions per ROCU staff and per £1m of budget, by unit and period: the
-- unit's validated disruptions, each counted once (int_disruptions__counted), weighted by
-- impact level (seeds/reference/impact_levels.csv), over the bases the unit holds itself
-- (denominator_bases.held_by = 'unit': its resources return). The base is the unit's as at the
-- period's last month covered by the disruption extract, by the one rule in
-- int_unit_bases_monthly, with its scale and wording from seeds/framework/rate_scales.csv; a
-- unit with no resources return by then has no row on that base. A period the extract covers
-- only in part is marked (is_part_period): its rate is of fewer months.
with claims as (
    select * from {{ ref('int_disruptions__counted') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

units as (
    select * from {{ ref('rocus') }}
),

unit_bases as (
    select * from {{ ref('int_unit_bases_monthly') }}
),

bases as (
    select * from {{ ref('denominator_bases') }}
    where held_by = 'unit'
),

extent as (
    select
        min(month) as first_month,
        max(month) as last_month
    from claims
),

covered as (
    select months.*
    from months
    inner join extent on months.month between extent.first_month and extent.last_month
),

per_month as (
    select
        claims.rocu_code,
        claims.month,
        count(*) as disruptions,
        sum(claims.impact_weight) as impact_weighted_disruptions,
        coalesce(sum(claims.impact_weight) filter (where claims.lead_role = 'led'), 0)
            as led_impact_weighted_disruptions
    from claims
    group by all
),

unit_months as (
    select
        units.rocu_code,
        covered.month,
        covered.calendar_quarter,
        covered.financial_quarter,
        covered.financial_year,
        coalesce(per_month.disruptions, 0) as disruptions,
        coalesce(per_month.impact_weighted_disruptions, 0) as impact_weighted_disruptions,
        coalesce(per_month.led_impact_weighted_disruptions, 0) as led_impact_weighted_disruptions
    from units
    cross join covered
    left join per_month
        on units.rocu_code = per_month.rocu_code
        and covered.month = per_month.month
),

by_period as (
    select
        unit_months.rocu_code,
        period.period_type,
        period.period,
        any_value(period.months_in_period) as months_in_period,
        count(*) as months_covered,
        max(unit_months.month) as last_month,
        sum(unit_months.disruptions) as disruptions,
        sum(unit_months.impact_weighted_disruptions) as impact_weighted_disruptions,
        sum(unit_months.led_impact_weighted_disruptions) as led_impact_weighted_disruptions
    from unit_months
    cross join lateral {{ month_periods('unit_months') }}
    group by all
),

final as (
    select
        by_period.rocu_code,
        by_period.period_type,
        by_period.period,
        by_period.months_in_period,
        by_period.months_covered,
        by_period.months_covered < by_period.months_in_period as is_part_period,
        by_period.last_month,
        by_period.disruptions,
        by_period.impact_weighted_disruptions,
        by_period.led_impact_weighted_disruptions,
        unit_bases.base_code,
        unit_bases.base_name,
        unit_bases.base_value,
        unit_bases.as_at_label as base_as_at_label,
        unit_bases.status as base_status,
        unit_bases.status <> 'published' as base_is_provisional,
        unit_bases.rate_scale,
        unit_bases.rate_per,
        unit_bases.rate_base_label,
        round(unit_bases.rate_scale * by_period.impact_weighted_disruptions / unit_bases.base_value, 2)
            as impact_weighted_rate,
        round(unit_bases.rate_scale * by_period.led_impact_weighted_disruptions / unit_bases.base_value, 2)
            as led_impact_weighted_rate
    from by_period
    inner join unit_bases
        on by_period.rocu_code = unit_bases.rocu_code
        and by_period.last_month = unit_bases.month
    inner join bases on unit_bases.base_code = bases.base_code
    where unit_bases.base_value > 0
)

select * from final
