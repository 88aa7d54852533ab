-- Operations and taskings (APMIS-style), one row per operation as at the newest extract.
with source as (
    select * from {{ source('raw', 'operations') }}
)

select
    operation_ref,
    rocu_code,
    lower(tasked_by) as tasked_by,
    threat_area_code,
    nullif(trim(ocg_refs), '') as ocg_refs,
    coalesce(len(string_split(nullif(trim(ocg_refs), ''), ';')), 0) as ocgs_targeted,
    cast(start_date as date) as start_date,
    cast(nullif(trim(end_date), '') as date) as end_date,
    lower(status) as status,
    source_file,
    source_row
from source
