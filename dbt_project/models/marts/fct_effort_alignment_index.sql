-- The effort-follows-threat index per unit and financial year, with its components beside it:
-- 100 minus half the sum over threat areas of |effort share - threat share| (the total variation
-- distance in percentage points). 100 = effort spread across areas as the high-band threat is.
-- Not computed without high-band threat or without effort in the year.
-- The nine units are compared on it (never ranked): the index, read as the share of effort that
-- falls where the unit's threat is, gets a Wilson interval on an effective base combining the
-- two counts it rests on, n = G x E / (G + E) (G the unit's high-band groups, E its operations
-- and disruptions; the variance of a difference of two shares). Its band is higher, similar or
-- lower than the network's index (the compared units' indexes pooled on their bases) as the
-- interval lies above, across or below it. A small base (too few groups or too little effort;
-- is_threat_small_base, is_small_base) is marked and not compared. Method: docs/golden-thread.md.
with alignment as (
    select * from {{ ref('fct_effort_alignment') }}
),

periods as (
    select * from {{ ref('int_alignment_periods') }}
),

-- The area where effort and threat part most; a tie goes to the first area in display order.
widest as (
    select
        rocu_code,
        financial_year,
        threat_area_code as widest_gap_threat_area_code,
        effort_gap_pts as widest_gap_pts
    from alignment
    qualify row_number() over (
        partition by rocu_code, financial_year
        order by abs(effort_gap_pts) desc nulls last, threat_area_order
    ) = 1
),

by_unit as (
    select
        rocu_code,
        financial_year,
        sum(high_band_ocg_months)::integer as high_band_ocg_months,
        sum(high_band_ocgs)::integer as high_band_ocgs,
        any_value(threat_source) as threat_source,
        sum(operations)::integer as operations,
        sum(disruptions)::integer as disruptions,
        count(*) filter (where is_national_priority or is_regional_priority)::integer as priority_areas,
        count(*) filter (where departs_from_national)::integer as areas_departing_from_national,
        count(*) filter (where is_priority_without_operation)::integer as priorities_without_operation,
        sum(operations_off_priority)::integer as operations_off_priority,
        0.5 * sum(abs(effort_share_pct - threat_share_pct)) as total_gap_pts,
        bool_and(threat_share_pct is not null and effort_share_pct is not null) as has_both_shares
    from alignment
    group by rocu_code, financial_year
),

indexed as (
    select
        by_unit.*,
        case when by_unit.has_both_shares then 100 - by_unit.total_gap_pts end as index_exact,
        by_unit.operations + by_unit.disruptions as effort_items,
        {{ is_threat_small_base('by_unit.high_band_ocgs') }}
        or {{ is_small_base('by_unit.operations + by_unit.disruptions') }} as is_small_base,
        by_unit.high_band_ocgs * (by_unit.operations + by_unit.disruptions)
        / nullif(by_unit.high_band_ocgs + by_unit.operations + by_unit.disruptions, 0)::double as index_base
    from by_unit
),

-- Wilson score limits on p = index / 100 with base n, at 95% (z 1.96) and 99.8% (z 3.09).
limits as (
    select
        indexed.*,
        z.level,
        (indexed.index_exact / 100 + z.z ^ 2 / (2 * indexed.index_base)) / (1 + z.z ^ 2 / indexed.index_base) as centre,
        z.z / (1 + z.z ^ 2 / indexed.index_base)
        * sqrt(
            (indexed.index_exact / 100) * (1 - indexed.index_exact / 100) / indexed.index_base
            + z.z ^ 2 / (4 * indexed.index_base ^ 2)
        ) as half_width
    from indexed
    cross join (values ('95', 1.959963984540054), ('998', 3.090232306167813)) as z (level, z)
    where indexed.index_exact is not null and indexed.index_base > 0
),

intervals as (
    select
        rocu_code,
        financial_year,
        100 * max(centre - half_width) filter (where level = '95') as lower_95,
        100 * max(centre + half_width) filter (where level = '95') as upper_95,
        100 * max(centre - half_width) filter (where level = '998') as lower_998,
        100 * max(centre + half_width) filter (where level = '998') as upper_998
    from limits
    group by rocu_code, financial_year
),

-- The benchmark: the compared units' matched effort over their bases, never a mean of indexes.
network as (
    select
        financial_year,
        count(*)::integer as units_compared,
        sum(index_exact * index_base) / sum(index_base) as network_index
    from indexed
    where index_exact is not null and not is_small_base and index_base > 0
    group by financial_year
),

final as (
    select
        by_unit.rocu_code,
        by_unit.financial_year,
        periods.months_in_period,
        periods.months_in_period < 12 as is_part_year,
        periods.first_month,
        periods.last_month,
        case when by_unit.has_both_shares then round(100 - by_unit.total_gap_pts, 1) end
            as effort_follows_threat_index,
        by_unit.high_band_ocg_months,
        by_unit.threat_source,
        by_unit.high_band_ocgs,
        by_unit.operations,
        by_unit.disruptions,
        by_unit.priority_areas,
        by_unit.areas_departing_from_national,
        by_unit.priorities_without_operation,
        by_unit.operations_off_priority,
        case when by_unit.has_both_shares then widest.widest_gap_threat_area_code end
            as widest_gap_threat_area_code,
        case when by_unit.has_both_shares then widest.widest_gap_pts end as widest_gap_pts,
        by_unit.effort_items,
        by_unit.index_base,
        by_unit.is_small_base,
        round(intervals.lower_95, 1) as lower_95,
        round(intervals.upper_95, 1) as upper_95,
        round(intervals.lower_998, 1) as lower_998,
        round(intervals.upper_998, 1) as upper_998,
        network.units_compared,
        round(network.network_index, 1) as network_index,
        case when not by_unit.is_small_base and network.network_index is not null then
            case
                when intervals.lower_95 > network.network_index then 'higher'
                when intervals.upper_95 < network.network_index then 'lower'
                else 'similar'
            end
        end as band_95,
        case when not by_unit.is_small_base and network.network_index is not null then
            case
                when intervals.lower_998 > network.network_index then 'higher'
                when intervals.upper_998 < network.network_index then 'lower'
                else 'similar'
            end
        end as band_998
    from indexed as by_unit
    inner join periods on by_unit.financial_year = periods.financial_year
    left join widest
        on by_unit.rocu_code = widest.rocu_code
        and by_unit.financial_year = widest.financial_year
    left join intervals
        on by_unit.rocu_code = intervals.rocu_code
        and by_unit.financial_year = intervals.financial_year
    left join network on by_unit.financial_year = network.financial_year
)

select * from final
