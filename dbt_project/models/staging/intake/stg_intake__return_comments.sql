-- What a unit wrote beside a figure of its return (a Comments or Notes column, or a notes sheet),
-- with the cell of the figure it sits beside, for each loaded version.
with source as (
    select * from {{ source('raw', 'return_comments') }}
)

select
    submission_id,
    metric_id,
    local_label,
    comment,
    source_sheet,
    source_row,
    source_column
from source
