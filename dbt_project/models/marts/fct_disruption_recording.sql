-- Is every unit recording what its disruptions were against? Per unit, period (month_periods)
-- and against type (seeds/reference/disruption_against_types.csv): validated disruptions
-- counted once, and their share of the unit's disruptions in the period, beside the network's
-- (a ratio of the summed counts, never an average of percentages). The share against an OCG
-- is the share linked to the OCG register. Every unit has a row for every covered month, so a
-- unit recording nothing shows zeros rather than vanishing. The network's counts take each
-- disruption once (int_disruptions__counted.is_network_counted): one two units count is in both
-- units' rows, once in the network's; network_counted_by_more_than_one_unit says how many.
with disruptions as (
    select * from {{ ref('int_disruptions__counted') }}
),

against_types as (
    select * from {{ ref('disruption_against_types') }}
),

units as (
    select rocu_code from {{ ref('dim_rocu') }}
),

months as (
    select * from {{ ref('dim_month') }}
    where month between (select min(disruptions.month) from disruptions)
        and (select max(disruptions.month) from disruptions)
),

unit_months as (
    select
        units.rocu_code,
        months.month,
        period.period_type,
        period.period,
        period.months_in_period
    from units
    cross join months
    cross join lateral {{ month_periods('months') }}
),

by_type as (
    select
        unit_months.rocu_code,
        unit_months.period_type,
        unit_months.period,
        any_value(unit_months.months_in_period) as months_in_period,
        against_types.against_type,
        any_value(against_types.against_name) as against_name,
        any_value(against_types.sort_order) as against_sort_order,
        count(disruptions.disruption_ref) as disruptions,
        count(disruptions.disruption_ref) filter (where disruptions.is_network_counted) as network_counted
    from unit_months
    cross join against_types
    left join disruptions
        on unit_months.rocu_code = disruptions.rocu_code
        and unit_months.month = disruptions.month
        and against_types.against_type = disruptions.against_type
    group by unit_months.rocu_code, unit_months.period_type, unit_months.period, against_types.against_type
),

with_bases as (
    select
        by_type.*,
        sum(by_type.disruptions) over unit_period as unit_disruptions,
        sum(by_type.network_counted) over network_type as network_disruptions,
        sum(by_type.network_counted) over network_period as network_unit_disruptions,
        sum(by_type.disruptions - by_type.network_counted) over network_period as network_counted_by_more_than_one_unit
    from by_type
    window
        unit_period as (partition by by_type.rocu_code, by_type.period_type, by_type.period),
        network_type as (partition by by_type.period_type, by_type.period, by_type.against_type),
        network_period as (partition by by_type.period_type, by_type.period)
),

final as (
    select
        rocu_code,
        period_type,
        period,
        months_in_period,
        against_type,
        against_name,
        against_sort_order,
        disruptions::bigint as disruptions,
        unit_disruptions::bigint as unit_disruptions,
        round(100.0 * disruptions / nullif(unit_disruptions, 0), 1) as share_pct,
        {{ is_small_base('unit_disruptions') }} as is_small_base,
        network_disruptions::bigint as network_disruptions,
        network_unit_disruptions::bigint as network_unit_disruptions,
        network_counted_by_more_than_one_unit::bigint as network_counted_by_more_than_one_unit,
        round(100.0 * network_disruptions / nullif(network_unit_disruptions, 0), 1) as network_share_pct
    from with_bases
)

select * from final
