with source as (
    select * from {{ source('raw', 'resource_values') }}
)

select
    submission_id,
    rocu_code,
    period as quarter,
    section,
    item,
    detail,
    cast(value as double) as value,
    try_cast(confirmed_on as date) as confirmed_on,
    source_sheet,
    source_row,
    source_column
from source
