with source as (
    select * from {{ source('raw', 'submissions') }}
),

renamed as (
    select
        submission_id,
        rocu_code,
        period as month,
        version,
        file_sha256,
        original_name,
        submitted_by,
        cast(submitted_at as timestamptz) as submitted_at,
        state,
        error_count,
        warning_count,
        superseded_by
    from source
)

select * from renamed
