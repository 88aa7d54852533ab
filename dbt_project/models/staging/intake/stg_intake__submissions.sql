-- The intake refuses a unit or month that is not valid before it registers anything, but the
-- registry outlives releases: a row from before that check (e.g. month '2025-13') must not stop
-- the build for every unit, so such a month is nulled here and the row kept for the record.
with source as (
    select * from {{ source('raw', 'submissions') }}
),

renamed as (
    select
        submission_id,
        rocu_code,
        case
            when regexp_full_match(period, '(19|20)[0-9]{2}-(0[1-9]|1[0-2])') then period
        end as month,
        period as month_as_registered,
        version,
        file_sha256,
        original_name,
        submitted_by,
        try_cast(submitted_at as timestamptz) as submitted_at,
        try_cast(received_at as timestamptz) as received_at,
        state,
        error_count,
        warning_count,
        superseded_by,
        nullif(trim(reason), '') as reason
    from source
)

select * from renamed
