with source as (
    select * from {{ source('raw', 'tasking_meetings') }}
)

select
    rocu_code,
    cast(meeting_date as date) as meeting_date,
    strftime(cast(meeting_date as date), '%Y-%m') as month,
    meeting_type,
    nullif(trim(forces_represented), '') as forces_represented,
    coalesce(len(string_split(nullif(trim(forces_represented), ''), ';')), 0) as forces_represented_count,
    nullif(trim(partners_represented), '') as partners_represented,
    coalesce(len(string_split(nullif(trim(partners_represented), ''), ';')), 0) as partners_represented_count,
    lower(trim(national_tasking_attended)) = 'yes' as national_tasking_attended,
    nullif(trim(operations_discussed), '') as operations_discussed,
    source_file,
    source_row
from source
