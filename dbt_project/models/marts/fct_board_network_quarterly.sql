-- One row per board quarter (both schemes): the network's totals, medians and counts of units
-- that the board paper sets beside each unit (medians over the units with a figure).
with units as (
    select * from {{ ref('fct_board_quarterly') }}
),

strands as (
    select rocu_code, quarter, bool_and(is_every_month) as all_strands_every_month
    from {{ ref('fct_strand_coverage_quarterly') }}
    group by all
),

never_reported as (
    select
        quarter,
        count(distinct metric_id) filter (where units_never_reported = units) as metrics_never_reported_anywhere,
        string_agg(distinct metric_id, ', ' order by metric_id) filter (where units_never_reported = units)
            as metric_ids_never_reported_anywhere
    from (
        select n.quarter, n.metric_id, n.units_never_reported, count(distinct b.rocu_code) as units
        from {{ ref('fct_metrics_not_reported_quarterly') }} as n
        inner join units as b on n.quarter = b.quarter
        group by all
    )
    group by all
),

per_quarter as (
    select
        units.quarter,
        units.quarter_scheme,
        any_value(units.quarter_seq) as quarter_seq,
        count(*) as units,
        max(units.months_due) as months_due,
        max(units.framework_return_metrics) as framework_return_metrics,
        count(*) filter (where units.months_on_time = units.months_due and units.months_due > 0)
            as units_all_on_time,
        median(units.months_on_time) as median_months_on_time,
        median(units.metrics_reported) as median_metrics_reported,
        min(units.metrics_reported) as min_metrics_reported,
        max(units.metrics_reported) as max_metrics_reported,
        median(units.completeness_pct) as median_completeness_pct,
        median(units.non_pursue_impact_share_pct) as median_non_pursue_impact_share_pct,
        count(*) filter (where strands.all_strands_every_month) as units_all_strands_every_month,
        sum(units.files)::bigint as files,
        sum(units.rejected_files)::bigint as rejected_files,
        sum(units.errors)::bigint as errors,
        sum(units.warnings)::bigint as warnings,
        median(units.warnings) as median_warnings,
        count(*) filter (where units.rejected_files > 0) as units_with_rejected_file,
        sum(units.unmapped_labels)::bigint as unmapped_labels,
        count(*) filter (where units.unmapped_labels > 0) as units_with_unmapped_label,
        count(*) filter (where units.forces_hold_higher_threat) as units_forces_hold_higher_threat,
        max(units.ocg_register_month) as ocg_register_month,
        min(units.morile_gap_rocu_minus_forces) as min_morile_gap,
        arg_min(units.rocu_code, units.morile_gap_rocu_minus_forces) as min_morile_gap_unit,
        max(units.morile_gap_rocu_minus_forces) as max_morile_gap,
        arg_max(units.rocu_code, units.morile_gap_rocu_minus_forces) as max_morile_gap_unit,
        median(units.tasking_meetings) as median_tasking_meetings,
        count(*) filter (where units.months_without_meeting = 0) as units_meeting_every_month,
        sum(units.gateway_received)::bigint as gateway_received,
        sum(units.gateway_accepted)::bigint as gateway_accepted,
        sum(units.gateway_declined)::bigint as gateway_declined,
        median(units.vacancy_rate_pct) as median_vacancy_rate_pct,
        min(units.vacancy_rate_pct) as min_vacancy_rate_pct,
        arg_min(units.rocu_code, units.vacancy_rate_pct) as min_vacancy_rate_unit,
        max(units.vacancy_rate_pct) as max_vacancy_rate_pct,
        arg_max(units.rocu_code, units.vacancy_rate_pct) as max_vacancy_rate_unit,
        median(units.fixed_term_share_pct) as median_fixed_term_share_pct,
        max(units.fixed_term_share_pct) as max_fixed_term_share_pct,
        arg_max(units.rocu_code, units.fixed_term_share_pct) as max_fixed_term_share_unit,
        sum(units.revised_figures_to_date)::bigint as revised_figures_to_date,
        sum(units.revised_months_to_date)::bigint as revised_unit_months_to_date
    from units
    left join strands on units.rocu_code = strands.rocu_code and units.quarter = strands.quarter
    group by units.quarter, units.quarter_scheme
)

select
    per_quarter.*,
    previous.rejected_files as previous_rejected_files,
    coalesce(never_reported.metrics_never_reported_anywhere, 0) as metrics_never_reported_anywhere,
    never_reported.metric_ids_never_reported_anywhere
from per_quarter
left join never_reported on per_quarter.quarter = never_reported.quarter
left join per_quarter as previous
    on per_quarter.quarter_scheme = previous.quarter_scheme
    and per_quarter.quarter_seq = previous.quarter_seq + 1
