-- Rule: a group's MoRiLE band is read from its score (seeds/reference/morile_bands.csv), not
-- taken on trust from the register. Each extract row keeps the band the register stated and
-- says whether it agrees; a disagreement is caught by this model's test. One row per group
-- per extract month: a month sent twice counts from its later file.
with extracts as (
    select * from {{ ref('stg_apmis__ocg_register_monthly') }}
    qualify row_number() over (partition by ocg_ref, extract_month order by source_file desc) = 1
),

bands as (
    select * from {{ ref('morile_bands') }}
),

final as (
    select
        extracts.ocg_ref,
        extracts.extract_month,
        extracts.rocu_code,
        extracts.owner_type,
        extracts.owner_code,
        extracts.threat_area_code,
        extracts.threat_areas,
        extracts.membership_size,
        extracts.geography,
        extracts.morile_score,
        bands.morile_band,
        extracts.morile_band as stated_band,
        coalesce(bands.morile_band = extracts.morile_band, false) as band_agrees_with_score,
        extracts.date_mapped,
        extracts.date_scored,
        extracts.date_reviewed,
        extracts.status,
        extracts.date_archived,
        extracts.archive_reason,
        extracts.lro_ref,
        extracts.plan_4p_in_place,
        extracts.plan_4p_reviewed,
        extracts.source_file,
        extracts.source_row
    from extracts
    left join bands
        on extracts.morile_score between bands.min_score and bands.max_score
)

select * from final
