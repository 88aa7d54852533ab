-- How to read each framework metric: what the Framework catalogue page writes as a document and
-- what exports carry as metadata (unit name, precision, the base it is compared on, who reports it).
with metrics as (
    select * from {{ ref('dim_metric') }}
),

units as (
    select * from {{ ref('units') }}
),

sources as (
    select * from {{ ref('sources') }}
),

measures as (
    select
        metric_measures.metric_id,
        metric_measures.measures,
        measure_kinds.measures_name,
        measure_kinds.description as measures_description
    from {{ ref('metric_measures') }} as metric_measures
    inner join {{ ref('measure_kinds') }} as measure_kinds on metric_measures.measures = measure_kinds.measures
),

strands as (
    select * from {{ ref('strands') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

rate_bases as (
    select
        string_agg(rate_label, ' and ' order by sort_order) as rate_labels,
        string_agg(base_name, '; ' order by sort_order) as base_names
    from {{ ref('rate_scales') }}
),

cost_outcomes as (
    select * from {{ ref('cost_outcomes') }}
),

units_in_network as (
    select count(*) as units from {{ ref('dim_rocu') }}
),

reporting as (
    select
        monthly.metric_id,
        count(distinct monthly.rocu_code) as units_reporting,
        string_agg(distinct rocus.rocu_name, ', ' order by rocus.rocu_name) as units_reporting_names,
        min(monthly.month) as first_month,
        max(monthly.month) as last_month
    from {{ ref('fct_metric_monthly') }} as monthly
    inner join {{ ref('dim_rocu') }} as rocus on monthly.rocu_code = rocus.rocu_code
    where monthly.value is not null
    group by monthly.metric_id
),

final as (
    select
        metrics.metric_id,
        metrics.metric_name,
        metrics.strand_code,
        metrics.strand_name,
        strands.aim as strand_aim,
        metrics.strand_sort_order,
        metrics.threat_area_code,
        coalesce(metrics.threat_area_name, 'All threat areas') as threat_area_heading,
        coalesce(threat_areas.sort_order, 0) as threat_area_sort_order,
        metrics.definition,
        metrics.unit,
        units.unit_name,
        units.axis_label,
        units.value_decimals,
        measures.measures,
        measures.measures_name,
        measures.measures_description,
        case
            when metrics.is_rateable
                then 'Rate ' || rate_bases.rate_labels || ' (bases: ' || rate_bases.base_names || ')'
            when metrics.denominator_metric_id is not null
                then 'Share of ' || lower(denominators.metric_name)
                || ', worked out again from its numerator and denominator for any period or group of units'
            when metrics.unit = 'percent'
                then 'Share of the respondents, as the unit reports it (no base is divided in)'
            else 'As reported: ' || units.unit_name || ' are compared as they stand, not divided by a base'
        end as comparison_base,
        metrics.source,
        sources.source_name,
        sources.reported_by_description,
        case metrics.reported_by
            when 'force' then 'By force where the unit can split it, summed to the unit'
            else 'For the unit as a whole'
        end as reporting_level,
        coalesce(reporting.units_reporting, 0) as units_reporting,
        units_in_network.units as units_in_network,
        reporting.units_reporting_names,
        reporting.first_month,
        reporting.last_month,
        -- whether fct_cost_per_outcome costs it, and why or why not (seeds/framework/cost_outcomes.csv)
        coalesce(cost_outcomes.costed, false) as has_cost_per_outcome,
        cost_outcomes.reason as cost_per_outcome_note
    from metrics
    inner join units on metrics.unit = units.unit_code
    inner join sources on metrics.source = sources.source_code
    left join measures on metrics.metric_id = measures.metric_id
    inner join strands on metrics.strand_code = strands.strand_code
    left join threat_areas on metrics.threat_area_code = threat_areas.threat_area_code
    left join metrics as denominators on metrics.denominator_metric_id = denominators.metric_id
    left join reporting on metrics.metric_id = reporting.metric_id
    left join cost_outcomes on metrics.metric_id = cost_outcomes.metric_id
    cross join rate_bases
    cross join units_in_network
)

select * from final
