with source as (
    select * from {{ source('raw', 'approvals') }}
)

select
    submission_id,
    approved_by,
    cast(approved_at as timestamptz) as approved_at
from source
