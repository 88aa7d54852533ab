-- The disruptions every measure counts, the one place that rule lives: validated, and each
-- disruption once however many agencies claimed it (int_disruptions__deduplicated), with the
-- rank and weight of its impact level (seeds/reference/impact_levels.csv) for measures that
-- weigh disruptions by impact. Led or supported is lead_role (int_disruptions__lead_role).
-- Across units: when one ROCU supported a disruption another ROCU led, and the leading unit
-- recorded it too (its own led claim on the same OCG, date, threat area and strand), both
-- units count it (each did the work), but the network counts it once: the supporting unit's
-- row is marked network_duplicate_of the leading unit's claim.
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
),

impact_levels as (
    select * from {{ ref('impact_levels') }}
),

counted as (
    select
        claims.*,
        impact_levels.impact_rank,
        impact_levels.weight as impact_weight
    from claims
    left join impact_levels on claims.impact_level = impact_levels.impact_level
    where claims.is_counted and claims.validation_status = 'validated'
),

led_by_another_unit as (
    select
        support_claim.disruption_ref,
        min(lead_claim.disruption_ref) as network_duplicate_of
    from counted as support_claim
    inner join counted as lead_claim
        on support_claim.lead_unit_code = lead_claim.rocu_code
        and support_claim.ocg_ref = lead_claim.ocg_ref
        and support_claim.disruption_date = lead_claim.disruption_date
        and support_claim.threat_area_code = lead_claim.threat_area_code
        and support_claim.strand = lead_claim.strand
    where support_claim.lead = 'other_rocu_led' and lead_claim.lead = 'led'
    group by support_claim.disruption_ref
),

final as (
    select
        counted.*,
        led_by_another_unit.network_duplicate_of,
        led_by_another_unit.network_duplicate_of is null as is_network_counted
    from counted
    left join led_by_another_unit on counted.disruption_ref = led_by_another_unit.disruption_ref
)

select * from final
