-- Consistency indicators per unit and calendar quarter (2025-Q1 = January to March), kept
-- for readers of the calendar form. The rules live in fct_board_quarterly, which holds the
-- same figures for financial-year and calendar board quarters.
with board as (
    select * from {{ ref('fct_board_quarterly') }}
    where quarter_scheme = 'calendar'
),

quarters as (
    select * from {{ ref('dim_quarter') }}
),

final as (
    select
        board.rocu_code,
        quarters.comparison_period as calendar_quarter,
        board.months_due,
        board.months_on_time,
        board.months_late,
        board.months_missing,
        board.timeliness_pct,
        board.metrics_reported,
        board.framework_return_metrics,
        board.completeness_pct,
        board.strands_with_disruptions,
        board.impact_weighted_disruptions,
        board.non_pursue_impact_weighted,
        board.non_pursue_impact_share_pct,
        board.versions,
        board.rejected_versions,
        board.data_quality_failure_pct,
        board.unmapped_labels,
        board.rocu_mean_morile,
        board.forces_mean_morile,
        board.morile_gap_rocu_minus_forces,
        board.rocu_high_band_ocgs,
        board.forces_high_band_ocgs,
        board.tasking_meetings,
        board.max_days_between_meetings
    from board
    inner join quarters on board.quarter = quarters.quarter
)

select * from final
