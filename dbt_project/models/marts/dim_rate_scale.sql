-- The bases rates are written on and their scale and precision (per 100,000 population, per 100
-- officers), from seeds/framework/rate_scales.csv: pages and exports read them here.
with rate_scales as (
    select * from {{ ref('rate_scales') }}
),

final as (
    select
        base_code,
        base_name,
        per,
        rate_label,
        rate_decimals,
        sort_order
    from rate_scales
)

select * from final
