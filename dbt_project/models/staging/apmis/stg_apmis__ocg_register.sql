with source as (
    select * from {{ source('raw', 'ocg_register') }}
)

select
    ocg_ref,
    lower(owner_type) as owner_type,
    owner_code,
    rocu_code,
    threat_area_code,
    cast(morile_score as integer) as morile_score,
    lower(morile_band) as morile_band,
    cast(date_mapped as date) as date_mapped,
    cast(nullif(cast(date_archived as varchar), '') as date) as date_archived,
    source_file,
    source_row
from source
