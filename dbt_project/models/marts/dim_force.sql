with forces as (
    select * from {{ ref('forces') }}
)

select
    force_code,
    force_name,
    rocu_code,
    effective_from,
    effective_to,
    effective_to is null as is_current,
    country,
    membership_note
from forces
