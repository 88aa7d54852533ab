-- The OCG register as the newest landed monthly extract says it is now: one row per group.
-- Its history, month by month, is dim_ocg_history. A month sent twice: the later file counts.
with source as (
    select * from {{ source('raw', 'ocg_register') }}
),

newest as (
    select source_file from source
    order by extract_month desc, source_file desc
    limit 1
)

select
    source.ocg_ref,
    lower(source.owner_type) as owner_type,
    source.owner_code,
    source.rocu_code,
    source.threat_area_code,
    cast(source.morile_score as integer) as morile_score,
    lower(source.morile_band) as morile_band,
    cast(source.date_mapped as date) as date_mapped,
    cast(nullif(cast(source.date_archived as varchar), '') as date) as date_archived,
    source.source_file,
    source.source_row
from source
inner join newest on source.source_file = newest.source_file
