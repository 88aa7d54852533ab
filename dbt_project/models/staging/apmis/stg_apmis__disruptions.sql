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
    lower(against_type) as against_type,
    lower(claiming_agency) as claiming_agency,
    narrative,
    lower(validation_status) as validation_status,
    cast(claim_date as date) as claim_date,
    cast(nullif(trim(validation_date), '') as date) as validation_date,
    source_file,
    source_row
from source
