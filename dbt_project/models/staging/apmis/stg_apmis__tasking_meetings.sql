with source as (
    select * from {{ source('raw', 'tasking_meetings') }}
)

select
    rocu_code,
    cast(meeting_date as date) as meeting_date,
    strftime(cast(meeting_date as date), '%Y-%m') as month,
    meeting_type,
    source_file,
    source_row
from source
