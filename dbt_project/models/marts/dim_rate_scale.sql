-- The bases rates are written on and their scale and precision (per 100,000 population, per 100
-- officers), from seeds/framework/rate_scales.csv, with what the base itself is counted in
-- (seeds/reference/denominator_bases.csv): pages and exports read them here.
with rate_scales as (
    select * from {{ ref('rate_scales') }}
),

bases as (
    select * from {{ ref('denominator_bases') }}
),

final as (
    select
        rate_scales.base_code,
        rate_scales.base_name,
        rate_scales.per,
        rate_scales.rate_label,
        rate_scales.rate_decimals,
        rate_scales.sort_order,
        bases.base_unit,
        bases.base_name as base_short_name
    from rate_scales
    inner join bases on rate_scales.base_code = bases.base_code
)

select * from final
