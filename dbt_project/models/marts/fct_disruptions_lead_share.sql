-- The headline "share of the region's disruptions led by the ROCU", per unit and period
-- (month, calendar quarter, financial-year quarter, financial year), beside the network's.
-- A ratio of counts: disruptions the unit led over the disruptions whose lead is recorded
-- (led + supported, the base "n of N"); the network share is the sum of the units' led
-- over the sum of their bases, never an average of the units' percentages. A base below
-- var share_small_base is marked small: the share is then read as "n of N" only. A disruption
-- one unit supported and another led, both recording it, is in both units' bases but once in the
-- network's (fct_disruptions.also_counted_by_lead_unit, network_counted_by_more_than_one_unit).
with disruptions as (
    select * from {{ ref('fct_disruptions') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

periods as (
    select
        disruptions.rocu_code,
        disruptions.disruptions,
        disruptions.led,
        disruptions.supported,
        disruptions.lead_not_recorded,
        coalesce(disruptions.also_counted_by_lead_unit, 0) as also_counted_by_lead_unit,
        period.period_type,
        period.period,
        period.months_in_period
    from disruptions
    inner join months on disruptions.month = months.month
    cross join lateral {{ month_periods('months') }}
),

by_unit as (
    select
        rocu_code,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        sum(disruptions)::bigint as disruptions,
        sum(led)::bigint as led,
        sum(supported)::bigint as supported,
        sum(lead_not_recorded)::bigint as lead_not_recorded,
        (sum(led) + sum(supported))::bigint as lead_base,
        sum(also_counted_by_lead_unit)::bigint as also_counted_by_lead_unit
    from periods
    group by rocu_code, period_type, period
),

final as (
    select
        by_unit.*,
        round(100.0 * by_unit.led / nullif(by_unit.lead_base, 0), 1) as led_share_pct,
        {{ is_small_base('by_unit.lead_base') }} as is_small_base,
        (sum(by_unit.led) over network_period)::bigint as network_led,
        (sum(by_unit.lead_base - by_unit.also_counted_by_lead_unit) over network_period)::bigint as network_lead_base,
        (sum(by_unit.also_counted_by_lead_unit) over network_period)::bigint as network_counted_by_more_than_one_unit,
        round(100.0 * sum(by_unit.led) over network_period
            / nullif(sum(by_unit.lead_base - by_unit.also_counted_by_lead_unit) over network_period, 0), 1)
            as network_led_share_pct,
        {{ is_small_base('sum(by_unit.lead_base - by_unit.also_counted_by_lead_unit) over network_period') }}
            as network_is_small_base,
        count(*) over network_period as units_in_network
    from by_unit
    window network_period as (partition by by_unit.period_type, by_unit.period)
)

select * from final
