with source as (
    select * from {{ source('raw', 'gateway_requests') }}
)

select
    rocu_code,
    force_code,
    cast(month as varchar) as month,
    cast(received as integer) as received,
    cast(accepted as integer) as accepted,
    cast(declined as integer) as declined,
    source_file,
    source_row
from source
