with metrics as (
    select * from {{ ref('metrics') }}
),

strands as (
    select * from {{ ref('strands') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
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
        -- The one rule for which figures a rate per 100,000 people or per officer makes sense:
        -- additive amounts (counts, money, weights, years), not shares, scores or staff numbers.
        metrics.unit in ('count', 'gbp', 'kg', 'years') as is_rateable,
        strands.sort_order as strand_sort_order
    from metrics
    inner join strands on metrics.strand = strands.strand_code
    left join threat_areas on metrics.threat_area_code = threat_areas.threat_area_code
)

select * from final
