-- Where each unit is strong or weak: the mean of its network ranks (1 = best) over the
-- rateable metrics of each of the four Ps it reported in a period. Only figures with a
-- rate per 100,000 take part, so units are ranked on a fair base.
with comparison as (
    select * from {{ ref('fct_metric_comparison') }}
    where per_100k_population is not null
),

metrics as (
    select * from {{ ref('dim_metric') }}
    where strand_code in ('pursue', 'prevent', 'protect', 'prepare')
),

final as (
    select
        comparison.rocu_code,
        comparison.period_type,
        comparison.period,
        metrics.strand_code,
        metrics.strand_name,
        metrics.strand_sort_order,
        avg(comparison.network_rank) as mean_rank,
        count(*) as metrics_ranked
    from comparison
    inner join metrics on comparison.metric_id = metrics.metric_id
    group by all
)

select * from final
