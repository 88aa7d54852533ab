-- The effort-follows-threat index per unit and financial year, with its components beside it:
-- 100 minus half the sum over threat areas of |effort share - threat share| (the total variation
-- distance in percentage points). 100 = effort spread across areas as the high-band threat is.
-- Not computed without high-band threat or without effort in the year.
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

final as (
    select
        by_unit.rocu_code,
        by_unit.financial_year,
        periods.months_in_period,
        periods.months_in_period < 12 as is_part_year,
        case when by_unit.has_both_shares then round(100 - by_unit.total_gap_pts, 1) end
            as effort_follows_threat_index,
        by_unit.high_band_ocg_months,
        by_unit.operations,
        by_unit.disruptions,
        by_unit.priority_areas,
        by_unit.areas_departing_from_national,
        by_unit.priorities_without_operation,
        by_unit.operations_off_priority,
        case when by_unit.has_both_shares then widest.widest_gap_threat_area_code end
            as widest_gap_threat_area_code,
        case when by_unit.has_both_shares then widest.widest_gap_pts end as widest_gap_pts
    from by_unit
    inner join periods on by_unit.financial_year = periods.financial_year
    left join widest
        on by_unit.rocu_code = widest.rocu_code
        and by_unit.financial_year = widest.financial_year
)

select * from final
