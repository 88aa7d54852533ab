-- Submission status per unit and month: who has submitted what, on time, late, missing or
-- failing checks. Months run from the first month any unit submitted for to the last month
-- that has ended. Status rules (one place):
--   on_time  an accepted version was submitted by the deadline
--   late     the first accepted version came after the deadline
--   failed   no accepted version, and the newest version's check itself failed or was
--            interrupted (a fault of the service, not the unit's: the NOCC must act)
--   rejected every version so far failed its checks
--   missing  no version at all, and the deadline has passed
--   pending  no accepted version yet, and the deadline has not passed
with submissions as (
    select * from {{ ref('stg_intake__submissions') }}
    where month is not null
),

problems as (
    select * from {{ ref('stg_intake__problems') }}
),

approvals as (
    select * from {{ ref('stg_intake__approvals') }}
),

deadlines as (
    select * from {{ ref('int_submission_deadlines') }}
),

units as (
    select * from {{ ref('dim_rocu') }}
),

months as (
    select * from {{ ref('dim_month') }}
    where month >= (select min(submissions.month) from submissions)
        and month_end < current_date
),

problem_counts as (
    select
        submission_id,
        count(*) filter (where severity = 'error') as errors,
        -- queries and information (warning: a problem recorded before rules had three severities)
        count(*) filter (where severity <> 'error') as warnings
    from problems
    group by all
),

per_month as (
    select
        rocu_code,
        month,
        count(*) as versions,
        count(*) filter (
            where state in ('accepted', 'accepted_with_queries_or_information', 'superseded')
        ) as accepted_versions,
        count(*) filter (where state = 'rejected') as rejected_versions,
        count(*) filter (where state = 'superseded') as superseded_versions,
        count(*) filter (where state = 'failed') as failed_versions,
        max_by(state, version) as latest_state,
        min(submitted_at) as first_submitted_at,
        min(submitted_at) filter (
            where state in ('accepted', 'accepted_with_queries_or_information', 'superseded')
        ) as first_accepted_at,
        max(submission_id) filter (
            where state in ('accepted', 'accepted_with_queries_or_information')
        ) as current_submission_id,
        count(*) filter (where approved) as approved_versions,
        max(submission_id) as latest_submission_id
    from (
        select submissions.*, approvals.submission_id is not null as approved
        from submissions left join approvals on submissions.submission_id = approvals.submission_id
    ) as versions
    group by all
),

grid as (
    select
        units.rocu_code,
        months.month,
        months.month_label,
        months.financial_year,
        months.financial_quarter,
        deadlines.deadline_date,
        deadlines.deadline_at
    from units
    cross join months
    inner join deadlines on months.month = deadlines.month
),

final as (
    select
        grid.rocu_code,
        grid.month,
        grid.month_label,
        grid.financial_year,
        grid.financial_quarter,
        grid.deadline_date,
        case
            when per_month.first_accepted_at <= grid.deadline_at then 'on_time'
            when per_month.first_accepted_at is not null then 'late'
            when per_month.latest_state = 'failed' then 'failed'
            when per_month.rejected_versions > 0 then 'rejected'
            when grid.deadline_at < current_timestamp then 'missing'
            else 'pending'
        end as status,
        coalesce(per_month.versions, 0) as versions,
        coalesce(per_month.accepted_versions, 0) as accepted_versions,
        coalesce(per_month.rejected_versions, 0) as rejected_versions,
        coalesce(per_month.superseded_versions, 0) as superseded_versions,
        coalesce(per_month.failed_versions, 0) as failed_versions,
        per_month.first_submitted_at,
        per_month.first_accepted_at,
        case when per_month.first_accepted_at > grid.deadline_at
            then date_diff('day', grid.deadline_date, per_month.first_accepted_at::date) end as days_late,
        per_month.current_submission_id,
        coalesce(per_month.approved_versions, 0) as approved_versions,
        per_month.current_submission_id is not null
            and per_month.current_submission_id not in (select approvals.submission_id from approvals)
            as awaiting_approval,
        per_month.latest_submission_id,
        coalesce(latest_problems.errors, 0) as latest_errors,
        coalesce(latest_problems.warnings, 0) as latest_warnings
    from grid
    left join per_month on grid.rocu_code = per_month.rocu_code and grid.month = per_month.month
    left join problem_counts as latest_problems on per_month.latest_submission_id = latest_problems.submission_id
)

select * from final
