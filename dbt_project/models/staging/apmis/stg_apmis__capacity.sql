with source as (
    select * from {{ source('raw', 'capacity') }}
)

select
    rocu_code,
    cast(month as varchar) as month,
    cast(establishment_fte as double) as establishment_fte,
    cast(in_post_fte as double) as in_post_fte,
    cast(fixed_term_fte as double) as fixed_term_fte,
    cast(leavers as integer) as leavers,
    source_file,
    source_row
from source
