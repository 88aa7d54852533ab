-- Every row of every landed OCG register extract: the register as at each month end, one
-- file per month, network-wide. Only renaming and casting; the history is derived in
-- int_ocg_register__banded and dim_ocg_history.
with source as (
    select * from {{ source('raw', 'ocg_register') }}
)

select
    ocg_ref,
    extract_month,
    lower(owner_type) as owner_type,
    owner_code,
    rocu_code,
    threat_area_code,
    threat_areas,
    cast(membership_size as integer) as membership_size,
    lower(geography) as geography,
    cast(morile_score as integer) as morile_score,
    lower(morile_band) as morile_band,
    cast(date_mapped as date) as date_mapped,
    cast(nullif(cast(date_scored as varchar), '') as date) as date_scored,
    cast(nullif(cast(date_reviewed as varchar), '') as date) as date_reviewed,
    lower(status) as status,
    cast(nullif(cast(date_archived as varchar), '') as date) as date_archived,
    lower(nullif(archive_reason, '')) as archive_reason,
    nullif(lro_ref, '') as lro_ref,
    cast(lower(plan_4p_in_place) as boolean) as plan_4p_in_place,
    cast(lower(plan_4p_reviewed) as boolean) as plan_4p_reviewed,
    source_file,
    source_row
from source
