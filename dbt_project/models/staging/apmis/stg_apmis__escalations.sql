-- OCG escalations from forces to their unit (APMIS-style), one row per escalation as at the
-- newest extract, with the days the unit took to decide (empty while pending).
with source as (
    select * from {{ source('raw', 'escalations') }}
)

select
    escalation_ref,
    rocu_code,
    force_code,
    ocg_ref,
    threat_area_code,
    cast(requested_date as date) as requested_date,
    lower(decision) as decision,
    cast(nullif(trim(decision_date), '') as date) as decision_date,
    nullif(trim(decline_reason), '') as decline_reason,
    date_diff('day', cast(requested_date as date), cast(nullif(trim(decision_date), '') as date))
        as days_to_decision,
    source_file,
    source_row
from source
