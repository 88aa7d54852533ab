-- Consistency indicators per unit and calendar quarter, what the executive board reviews:
-- timeliness, completeness against the framework, 4P balance, data quality, labels that
-- map to nothing, threat alignment with forces and tasking regularity.
with status as (
    select s.*, m.calendar_quarter
    from {{ ref('fct_submission_status') }} as s
    inner join {{ ref('dim_month') }} as m on s.month = m.month
),

returned as (
    select * from {{ ref('fct_metric_monthly') }} where source = 'monthly_return'
),

framework_size as (
    select count(*) as return_metrics from {{ ref('dim_metric') }} where source = 'monthly_return'
),

unmapped as (
    select u.rocu_code, m.calendar_quarter, count(distinct lower(u.local_label)) as unmapped_labels
    from {{ ref('stg_intake__unmapped_labels') }} as u
    inner join {{ ref('stg_intake__submissions') }} as s
        on u.submission_id = s.submission_id and s.state in ('accepted', 'accepted_with_warnings')
    inner join {{ ref('dim_month') }} as m on u.month = m.month
    group by all
),

ocg as (
    select
        rocu_code,
        avg(mean_morile_score) filter (where owner_type = 'rocu') as rocu_mean_morile,
        sum(mean_morile_score * active_ocgs) filter (where owner_type = 'force')
            / nullif(sum(active_ocgs) filter (where owner_type = 'force'), 0) as forces_mean_morile,
        (sum(high_band) filter (where owner_type = 'rocu'))::bigint as rocu_high_band_ocgs,
        (sum(high_band) filter (where owner_type = 'force'))::bigint as forces_high_band_ocgs
    from {{ ref('fct_ocg_threat') }}
    group by all
),

tasking as (
    select
        rocu_code,
        calendar_quarter,
        sum(meetings_held)::bigint as tasking_meetings,
        max(max_days_between_meetings) as max_days_between_meetings
    from {{ ref('fct_capacity_tasking') }}
    group by all
),

timeliness as (
    select
        rocu_code,
        calendar_quarter,
        count(*) as months_due,
        count(*) filter (where status = 'on_time') as months_on_time,
        count(*) filter (where status = 'late') as months_late,
        count(*) filter (where status in ('missing', 'rejected', 'failed')) as months_missing,
        sum(versions)::bigint as versions,
        sum(rejected_versions)::bigint as rejected_versions
    from status
    group by all
),

balance as (
    select
        rocu_code,
        calendar_quarter,
        count(distinct metric_id) as metrics_reported,
        count(distinct strand_code) filter (where strand_code <> 'all') as strands_reported,
        count(*) filter (where value > 0) as figures_above_zero,
        count(*) filter (where value > 0 and strand_code in ('prevent', 'protect', 'prepare')) as non_pursue_figures
    from returned
    group by all
),

final as (
    select
        timeliness.rocu_code,
        timeliness.calendar_quarter,
        timeliness.months_due,
        timeliness.months_on_time,
        timeliness.months_late,
        timeliness.months_missing,
        100.0 * timeliness.months_on_time / timeliness.months_due as timeliness_pct,
        coalesce(balance.metrics_reported, 0) as metrics_reported,
        framework_size.return_metrics as framework_return_metrics,
        100.0 * coalesce(balance.metrics_reported, 0) / framework_size.return_metrics as completeness_pct,
        coalesce(balance.strands_reported, 0) as strands_reported,
        balance.non_pursue_figures,
        balance.figures_above_zero,
        100.0 * balance.non_pursue_figures / nullif(balance.figures_above_zero, 0) as non_pursue_share_pct,
        timeliness.versions,
        timeliness.rejected_versions,
        100.0 * timeliness.rejected_versions / nullif(timeliness.versions, 0) as data_quality_failure_pct,
        coalesce(unmapped.unmapped_labels, 0) as unmapped_labels,
        ocg.rocu_mean_morile,
        ocg.forces_mean_morile,
        ocg.rocu_mean_morile - ocg.forces_mean_morile as morile_gap_rocu_minus_forces,
        ocg.rocu_high_band_ocgs,
        ocg.forces_high_band_ocgs,
        coalesce(tasking.tasking_meetings, 0) as tasking_meetings,
        tasking.max_days_between_meetings
    from timeliness
    cross join framework_size
    left join balance on timeliness.rocu_code = balance.rocu_code
        and timeliness.calendar_quarter = balance.calendar_quarter
    left join unmapped on timeliness.rocu_code = unmapped.rocu_code
        and timeliness.calendar_quarter = unmapped.calendar_quarter
    left join ocg on timeliness.rocu_code = ocg.rocu_code
    left join tasking on timeliness.rocu_code = tasking.rocu_code
        and timeliness.calendar_quarter = tasking.calendar_quarter
)

select * from final
