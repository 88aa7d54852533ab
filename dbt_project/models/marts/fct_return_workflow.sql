-- Where each unit's monthly return stands in the upload workflow, as the Upload page shows
-- it beside the month's deadline. One status per unit and month (rules in one place):
--   signed_off  the current accepted version has been signed off by the unit's approver
--   late        an accepted version is waiting for sign-off, and the first one came after the deadline
--   accepted    an accepted version is waiting for sign-off, and the first one came by the deadline
--   missing     no accepted version, and the deadline has passed (rejected or failed versions count as none)
--   due         no accepted version, and the deadline has not passed
-- arrived_late keeps "late" visible once a late return has been signed off.
with submission_status as (
    select * from {{ ref('fct_submission_status') }}
),

deadlines as (
    select * from {{ ref('int_submission_deadlines') }}
),

final as (
    select
        submission_status.rocu_code,
        submission_status.month,
        submission_status.month_label,
        submission_status.deadline_date,
        deadlines.deadline_at,
        case
            when
                submission_status.current_submission_id is not null
                and not submission_status.awaiting_approval
                then 'signed_off'
            when submission_status.current_submission_id is not null and submission_status.status = 'late'
                then 'late'
            when submission_status.current_submission_id is not null then 'accepted'
            when deadlines.deadline_at < current_timestamp then 'missing'
            else 'due'
        end as workflow_status,
        submission_status.status = 'late' as arrived_late,
        submission_status.current_submission_id,
        submission_status.versions,
        submission_status.latest_errors,
        submission_status.latest_warnings
    from submission_status
    inner join deadlines on submission_status.month = deadlines.month
)

select * from final
