-- Quarterly resources returns as registered: every version and its state (the quarter is a
-- financial-year quarter, YYYY-Qn, as in dim_quarter).
with source as (
    select * from {{ source('raw', 'resource_submissions') }}
)

select
    submission_id,
    rocu_code,
    period as quarter,
    version,
    original_name,
    submitted_by,
    try_cast(submitted_at as timestamptz) as submitted_at,
    state,
    approved_by,
    try_cast(approved_at as timestamptz) as approved_at
from source
