with source as (
    select * from {{ source('raw', 'return_values') }}
)

select
    submission_id,
    rocu_code,
    period as month,
    metric_id,
    force_code,
    cast(value as double) as value,
    local_label,
    raw_value,
    source_sheet,
    source_row,
    source_column,
    loaded_at
from source
