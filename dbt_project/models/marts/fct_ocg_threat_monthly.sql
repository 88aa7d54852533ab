-- Active OCGs and their MoRiLE scores by owner, month by month, so that a ROCU's OCGs can be
-- set beside those kept by its constituent forces as the register stood in any month (the
-- inspection found forces often keep higher-threat groups than their ROCU). From the OCG
-- ledger (fct_ocg_ledger_monthly, every landed monthly extract), so a board quarter reads the
-- register as at its own last extract, not today's.
with ledger as (
    select * from {{ ref('fct_ocg_ledger_monthly') }}
    where status = 'active'
),

forces as (
    select * from {{ ref('dim_force') }} where is_current
),

final as (
    select
        ledger.month,
        ledger.rocu_code,
        ledger.owner_type,
        ledger.owner_code,
        coalesce(forces.force_name, ledger.owner_code) as owner_name,
        count(*) as active_ocgs,
        count(*) filter (where ledger.morile_band = 'high') as high_band,
        count(*) filter (where ledger.morile_band = 'medium') as medium_band,
        count(*) filter (where ledger.morile_band = 'low') as low_band,
        avg(ledger.morile_score) as mean_morile_score,
        median(ledger.morile_score) as median_morile_score,
        quantile_cont(ledger.morile_score, 0.25) as p25_morile_score,
        quantile_cont(ledger.morile_score, 0.75) as p75_morile_score,
        max(ledger.morile_score) as max_morile_score,
        max(ledger.date_mapped) as latest_mapped
    from ledger
    left join forces on ledger.owner_code = forces.force_code
    group by all
)

select * from final
