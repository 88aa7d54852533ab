with metrics as (
    select * from {{ ref('metrics') }}
),

strands as (
    select * from {{ ref('strands') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

optional_metrics as (
    select * from {{ ref('optional_metrics') }}
),

final as (
    select
        metrics.metric_id,
        metrics.metric_name,
        metrics.strand as strand_code,
        strands.strand_name,
        metrics.threat_area_code,
        threat_areas.threat_area_name,
        metrics.unit,
        metrics.definition,
        metrics.time_aggregation,
        metrics.space_aggregation,
        metrics.higher_is_better,
        metrics.source,
        metrics.reported_by,
        metrics.numerator_metric_id,
        metrics.denominator_metric_id,
        optional_metrics.variant_of,
        optional_metrics.lead_role,
        -- who is expected to report it (int_metrics_expected_by_unit applies the same rule per unit)
        case
            when metrics.source <> 'monthly_return' then 'every unit (from the extracts)'
            when optional_metrics.metric_id is not null then 'only units whose return includes it'
            else 'every unit'
        end as expected_from,
        -- The one rule for which figures a rate per 100,000 people or per officer makes sense:
        -- additive amounts (counts, money, weights, years), not shares, scores or staff numbers.
        metrics.unit in ('count', 'gbp', 'kg', 'years') as is_rateable,
        strands.sort_order as strand_sort_order
    from metrics
    inner join strands on metrics.strand = strands.strand_code
    left join threat_areas on metrics.threat_area_code = threat_areas.threat_area_code
    left join optional_metrics on metrics.metric_id = optional_metrics.metric_id
)

select * from final
