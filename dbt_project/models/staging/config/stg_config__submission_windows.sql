-- The submission-window rules as they now stand (seed overlaid by the configuration store),
-- typed as the seed is. A blank four_eyes means on, as the intake reads it.
with source as (
    select * from {{ source('raw', 'config_submission_windows') }}
),

typed as (
    select
        cast(effective_from as date) as effective_from,
        cast(deadline_working_day as integer) as deadline_working_day,
        cast(approval_required as boolean) as approval_required,
        coalesce(cast(four_eyes as boolean), true) as four_eyes,
        description,
        change_seq,
        changed_by,
        cast(changed_at as timestamptz) as changed_at
    from source
)

select * from typed
