-- Every validated disruption claim of a unit's month, counted or marked as the duplicate
-- of the unit's own claim (see int_disruptions__deduplicated), with the metrics it counts
-- toward: what the drill-through lists under a disruption figure. Narratives are
-- sensitive: pages show them only to roles allowed to see them.
with claims as (
    select * from {{ ref('int_disruptions__by_metric') }}
),

final as (
    select
        rocu_code,
        month,
        disruption_ref,
        disruption_date,
        claim_date,
        validation_date,
        claiming_agency,
        against_type,
        lead_agency_type,
        lead_unit_code,
        threat_area_code,
        strand,
        impact_level,
        ocg_ref,
        is_counted,
        duplicate_of,
        narrative,
        list(metric_id order by metric_id) as metric_ids
    from claims
    group by all
)

select * from final
