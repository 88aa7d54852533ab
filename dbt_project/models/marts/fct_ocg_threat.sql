-- Active OCGs and their MoRiLE scores by owner, so that a ROCU's OCGs can be set beside
-- those kept by its constituent forces (the inspection found forces often keep
-- higher-threat groups than their ROCU). As at the register snapshot.
with ocgs as (
    select * from {{ ref('stg_apmis__ocg_register') }}
    where date_archived is null
),

forces as (
    select * from {{ ref('dim_force') }} where is_current
),

final as (
    select
        ocgs.rocu_code,
        ocgs.owner_type,
        ocgs.owner_code,
        coalesce(forces.force_name, ocgs.owner_code) as owner_name,
        count(*) as active_ocgs,
        count(*) filter (where ocgs.morile_band = 'high') as high_band,
        count(*) filter (where ocgs.morile_band = 'medium') as medium_band,
        count(*) filter (where ocgs.morile_band = 'low') as low_band,
        avg(ocgs.morile_score) as mean_morile_score,
        median(ocgs.morile_score) as median_morile_score,
        quantile_cont(ocgs.morile_score, 0.25) as p25_morile_score,
        quantile_cont(ocgs.morile_score, 0.75) as p75_morile_score,
        max(ocgs.morile_score) as max_morile_score,
        max(ocgs.date_mapped) as latest_mapped
    from ocgs
    left join forces on ocgs.owner_code = forces.force_code
    group by all
)

select * from final
