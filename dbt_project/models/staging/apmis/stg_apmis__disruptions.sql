with source as (
    select * from {{ source('raw', 'disruptions') }}
)

select
    disruption_ref,
    cast(disruption_date as date) as disruption_date,
    strftime(cast(disruption_date as date), '%Y-%m') as month,
    lower(lead_agency_type) as lead_agency_type,
    lead_unit_code,
    rocu_code,
    threat_area_code,
    lower(strand) as strand,
    lower(impact_level) as impact_level,
    nullif(trim(ocg_ref), '') as ocg_ref,
    narrative,
    lower(validation_status) as validation_status,
    source_file,
    source_row
from source
