-- One row per unit and board quarter (both schemes, see dim_quarter): every figure the board
-- paper gives for a unit. Timeliness and completeness of the monthly returns (completeness of
-- the metrics the unit's capabilities produce, int_unit_expected_metrics_monthly), 4P balance
-- (the impact-weighted strand mix of its disruptions), data quality of the files sent, labels
-- that map to nothing, threat against the forces, tasking and Gateway, capacity at the end of
-- the quarter, departures and revisions.
-- The network's medians and totals are in fct_board_network_quarterly, positions in
-- fct_scorecard_quarterly.
with bridge as (
    select * from {{ ref('int_month_quarters') }}
),

quarters as (
    select * from {{ ref('dim_quarter') }}
),

status as (
    select s.*, bridge.quarter, bridge.quarter_scheme
    from {{ ref('fct_submission_status') }} as s
    inner join bridge on s.month = bridge.month
),

returned as (
    select f.*, bridge.quarter
    from {{ ref('fct_metric_monthly') }} as f
    inner join bridge on f.month = bridge.month
    where f.source = 'monthly_return'
),

-- what the unit's capabilities produce in some month of the quarter: completeness is judged on these
expected as (
    select distinct e.rocu_code, bridge.quarter, e.metric_id
    from {{ ref('int_unit_expected_metrics_monthly') }} as e
    inner join bridge on e.month = bridge.month
),

expected_size as (
    select rocu_code, quarter, count(*) as expected_metrics
    from expected
    group by all
),

expected_reported as (
    select returned.rocu_code, returned.quarter, count(distinct returned.metric_id) as metrics
    from returned
    inner join expected
        on returned.rocu_code = expected.rocu_code
        and returned.quarter = expected.quarter
        and returned.metric_id = expected.metric_id
    group by all
),

timeliness as (
    select
        rocu_code,
        quarter,
        quarter_scheme,
        count(*) as months_due,
        count(*) filter (where status = 'on_time') as months_on_time,
        count(*) filter (where status = 'late') as months_late,
        count(*) filter (where status in ('missing', 'rejected', 'failed')) as months_missing,
        sum(versions)::bigint as versions,
        sum(rejected_versions)::bigint as rejected_versions
    from status
    group by all
),

-- 4P balance by substance: the strand mix of the quarter's counted disruptions weighted by
-- impact level (int_disruptions__counted), so one minor prevent disruption does not weigh as
-- much as 500 major pursue ones, as counting figures above zero in the return made it.
balance as (
    select
        rocu_code,
        quarter,
        count(strand_code) as strands_with_disruptions,
        sum(disruptions)::bigint as disruptions,
        sum(impact_weighted_disruptions)::double as impact_weighted_disruptions,
        coalesce(sum(impact_weighted_disruptions) filter (
            where strand_code in ('prevent', 'protect', 'prepare')
        ), 0)::double as non_pursue_impact_weighted
    from {{ ref('int_disruptions__by_unit_quarter') }}
    group by rocu_code, quarter
),

files as (
    select s.submission_id, s.rocu_code, s.state, bridge.quarter
    from {{ ref('stg_intake__submissions') }} as s
    inner join bridge on s.month = bridge.month
),

problem_counts as (
    select
        submission_id,
        count(*) filter (where severity = 'error') as errors,
        -- queries and information (warning: a problem recorded before rules had three severities)
        count(*) filter (where severity <> 'error') as warnings
    from {{ ref('fct_submission_problems') }}
    group by all
),

quality as (
    select
        files.rocu_code,
        files.quarter,
        count(*) as files,
        count(*) filter (where files.state = 'rejected') as rejected_files,
        coalesce(sum(problem_counts.errors), 0)::bigint as errors,
        coalesce(sum(problem_counts.warnings), 0)::bigint as warnings
    from files
    left join problem_counts on files.submission_id = problem_counts.submission_id
    group by all
),

unmapped as (
    select rocu_code, quarter, count(*) as unmapped_labels
    from {{ ref('fct_unmapped_labels_quarterly') }}
    group by all
),

-- the OCG register as it stood at the quarter's last landed extract, not as it stands today
ocg_month as (
    select threat.rocu_code, bridge.quarter, max(threat.month) as ocg_register_month
    from {{ ref('fct_ocg_threat_monthly') }} as threat
    inner join bridge on threat.month = bridge.month
    group by all
),

ocg as (
    select
        ocg_month.rocu_code,
        ocg_month.quarter,
        any_value(ocg_month.ocg_register_month) as ocg_register_month,
        avg(threat.mean_morile_score) filter (where threat.owner_type = 'rocu') as rocu_mean_morile,
        sum(threat.mean_morile_score * threat.active_ocgs) filter (where threat.owner_type = 'force')
            / nullif(sum(threat.active_ocgs) filter (where threat.owner_type = 'force'), 0) as forces_mean_morile,
        coalesce(sum(threat.active_ocgs) filter (where threat.owner_type = 'rocu'), 0)::bigint as rocu_active_ocgs,
        coalesce(sum(threat.active_ocgs) filter (where threat.owner_type = 'force'), 0)::bigint as forces_active_ocgs,
        (sum(threat.high_band) filter (where threat.owner_type = 'rocu'))::bigint as rocu_high_band_ocgs,
        (sum(threat.high_band) filter (where threat.owner_type = 'force'))::bigint as forces_high_band_ocgs
    from ocg_month
    inner join {{ ref('fct_ocg_threat_monthly') }} as threat
        on ocg_month.rocu_code = threat.rocu_code and ocg_month.ocg_register_month = threat.month
    group by all
),

capacity as (
    select c.*, bridge.quarter
    from {{ ref('fct_capacity_tasking') }} as c
    inner join bridge on c.month = bridge.month
),

resources as (
    select
        rocu_code,
        quarter,
        sum(meetings_held)::bigint as tasking_meetings,
        count(*) filter (where meetings_held = 0) as months_without_meeting,
        max(max_days_between_meetings) as max_days_between_meetings,
        sum(gateway_received)::bigint as gateway_received,
        sum(gateway_accepted)::bigint as gateway_accepted,
        sum(gateway_declined)::bigint as gateway_declined,
        max(month) as capacity_as_at,
        arg_max(establishment_fte, month) as establishment_fte,
        arg_max(in_post_fte, month) as in_post_fte,
        arg_max(vacancy_rate_pct, month) as vacancy_rate_pct,
        arg_max(fixed_term_share_pct, month) as fixed_term_share_pct,
        sum(leavers)::bigint as leavers
    from capacity
    group by all
),

not_reported as (
    select
        rocu_code,
        quarter,
        count(*) as metrics_not_reported,
        count(*) filter (where is_never_reported) as metrics_never_reported
    from {{ ref('fct_metrics_not_reported_quarterly') }}
    group by all
),

revisions as (
    select
        quarters.quarter,
        revised.rocu_code,
        count(*) as revised_figures,
        count(distinct revised.month) as revised_months
    from quarters
    inner join {{ ref('fct_revised_figures') }} as revised on quarters.last_month >= revised.month
    group by all
),

final as (
    select
        timeliness.rocu_code,
        timeliness.quarter,
        timeliness.quarter_scheme,
        quarters.quarter_seq,
        timeliness.months_due,
        timeliness.months_on_time,
        timeliness.months_late,
        timeliness.months_missing,
        100.0 * timeliness.months_on_time / timeliness.months_due as timeliness_pct,
        coalesce(expected_reported.metrics, 0) as metrics_reported,
        coalesce(expected_size.expected_metrics, 0) as framework_return_metrics,
        100.0 * coalesce(expected_reported.metrics, 0)
        / nullif(coalesce(expected_size.expected_metrics, 0), 0) as completeness_pct,
        coalesce(balance.strands_with_disruptions, 0) as strands_with_disruptions,
        coalesce(balance.disruptions, 0) as disruptions,
        coalesce(balance.impact_weighted_disruptions, 0) as impact_weighted_disruptions,
        coalesce(balance.non_pursue_impact_weighted, 0) as non_pursue_impact_weighted,
        100.0 * balance.non_pursue_impact_weighted / nullif(balance.impact_weighted_disruptions, 0)
            as non_pursue_impact_share_pct,
        timeliness.versions,
        timeliness.rejected_versions,
        100.0 * timeliness.rejected_versions / nullif(timeliness.versions, 0) as data_quality_failure_pct,
        coalesce(quality.files, 0) as files,
        coalesce(quality.rejected_files, 0) as rejected_files,
        coalesce(quality.errors, 0) as errors,
        coalesce(quality.warnings, 0) as warnings,
        coalesce(unmapped.unmapped_labels, 0) as unmapped_labels,
        ocg.ocg_register_month,
        ocg.rocu_mean_morile,
        ocg.forces_mean_morile,
        ocg.rocu_mean_morile - ocg.forces_mean_morile as morile_gap_rocu_minus_forces,
        coalesce(ocg.forces_mean_morile > ocg.rocu_mean_morile, false) as forces_hold_higher_threat,
        coalesce(ocg.rocu_active_ocgs, 0) as rocu_active_ocgs,
        coalesce(ocg.forces_active_ocgs, 0) as forces_active_ocgs,
        ocg.rocu_high_band_ocgs,
        ocg.forces_high_band_ocgs,
        coalesce(resources.tasking_meetings, 0) as tasking_meetings,
        resources.months_without_meeting,
        resources.max_days_between_meetings,
        coalesce(resources.max_days_between_meetings > 56, false) as has_tasking_gap_over_eight_weeks,
        resources.gateway_received,
        resources.gateway_accepted,
        resources.gateway_declined,
        100.0 * resources.gateway_accepted / nullif(resources.gateway_received, 0) as gateway_acceptance_pct,
        resources.capacity_as_at,
        resources.establishment_fte,
        resources.in_post_fte,
        resources.vacancy_rate_pct,
        resources.fixed_term_share_pct,
        resources.leavers,
        coalesce(not_reported.metrics_not_reported, 0) as metrics_not_reported,
        coalesce(not_reported.metrics_never_reported, 0) as metrics_never_reported,
        coalesce(revisions.revised_figures, 0) as revised_figures_to_date,
        coalesce(revisions.revised_months, 0) as revised_months_to_date
    from timeliness
    inner join quarters on timeliness.quarter = quarters.quarter
    left join balance on timeliness.rocu_code = balance.rocu_code and timeliness.quarter = balance.quarter
    left join expected_size
        on timeliness.rocu_code = expected_size.rocu_code and timeliness.quarter = expected_size.quarter
    left join expected_reported
        on timeliness.rocu_code = expected_reported.rocu_code and timeliness.quarter = expected_reported.quarter
    left join quality on timeliness.rocu_code = quality.rocu_code and timeliness.quarter = quality.quarter
    left join unmapped on timeliness.rocu_code = unmapped.rocu_code and timeliness.quarter = unmapped.quarter
    left join ocg on timeliness.rocu_code = ocg.rocu_code and timeliness.quarter = ocg.quarter
    left join resources on timeliness.rocu_code = resources.rocu_code and timeliness.quarter = resources.quarter
    left join not_reported
        on timeliness.rocu_code = not_reported.rocu_code and timeliness.quarter = not_reported.quarter
    left join revisions on timeliness.rocu_code = revisions.rocu_code and timeliness.quarter = revisions.quarter
)

select
    final.*,
    previous.rejected_files as previous_rejected_files
from final
left join final as previous
    on final.rocu_code = previous.rocu_code
    and final.quarter_scheme = previous.quarter_scheme
    and final.quarter_seq = previous.quarter_seq + 1
