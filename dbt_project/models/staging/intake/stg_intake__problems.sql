with source as (
    select * from {{ source('raw', 'submission_problems') }}
)

select
    submission_id,
    severity,
    rule,
    message,
    file as file_name,
    sheet,
    "row" as source_row,
    "column" as source_column,
    value as found_value
from source
