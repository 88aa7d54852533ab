with source as (
    select * from {{ source('raw', 'unmapped_labels') }}
)

select
    submission_id,
    rocu_code,
    period as month,
    trim(local_label) as local_label,
    source_sheet,
    source_row,
    source_column
from source
