-- Every disruption the measures count (int_disruptions__counted: validated, each once however
-- many agencies claimed it), one row each, with its month, what it was against, its OCG
-- reference, threat area, 4P strand, impact level and weight, and who led it. What the
-- drill-through lists behind a ledger figure or a threat area x 4P x impact cell, so the
-- rows it shows are the rows the figure counted. No narrative (sensitive; fct_disruption_claims).
with disruptions as (
    select * from {{ ref('int_disruptions__counted') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

strands as (
    select * from {{ ref('strands') }}
),

final as (
    select
        disruptions.rocu_code,
        disruptions.month,
        disruptions.disruption_ref,
        disruptions.disruption_date,
        disruptions.claim_date,
        disruptions.validation_date,
        disruptions.claiming_agency,
        disruptions.against_type,
        disruptions.ocg_ref,
        disruptions.lead_role,
        disruptions.lead_agency_type,
        disruptions.lead_unit_code,
        disruptions.lead,
        disruptions.threat_area_code,
        threat_areas.threat_area_name,
        disruptions.strand,
        strands.strand_name,
        strands.sort_order as strand_sort_order,
        disruptions.impact_level,
        disruptions.impact_rank,
        disruptions.impact_weight,
        disruptions.is_network_counted
    from disruptions
    left join threat_areas on disruptions.threat_area_code = threat_areas.threat_area_code
    left join strands on disruptions.strand = strands.strand_code
)

select * from final
