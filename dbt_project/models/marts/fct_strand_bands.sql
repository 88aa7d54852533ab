-- Where each unit is strong or weak, without ranking noise: for each of the four Ps, how many
-- of the unit's count metrics were higher, similar or lower than the network at 95% in a
-- period (fct_metric_funnel, per 100,000 population), and how many of those differences are
-- better or worse given which way each metric should go. A mean of ranks would order units on
-- differences the limits call chance.
with funnel as (
    select * from {{ ref('fct_metric_funnel') }}
    where base_name = 'population'
),

metrics as (
    select * from {{ ref('dim_metric') }}
    where strand_code in ('pursue', 'prevent', 'protect', 'prepare')
),

counted as (
    select
        funnel.rocu_code,
        funnel.period_type,
        funnel.period,
        metrics.strand_code,
        metrics.strand_name,
        metrics.strand_sort_order,
        count(*) as metrics_compared,
        count(*) filter (where funnel.band_95 = 'higher') as metrics_higher,
        count(*) filter (where funnel.band_95 = 'similar') as metrics_similar,
        count(*) filter (where funnel.band_95 = 'lower') as metrics_lower,
        count(*) filter (
            where (funnel.band_95 = 'higher' and metrics.higher_is_better)
            or (funnel.band_95 = 'lower' and not metrics.higher_is_better)
        ) as metrics_better,
        count(*) filter (
            where (funnel.band_95 = 'lower' and metrics.higher_is_better)
            or (funnel.band_95 = 'higher' and not metrics.higher_is_better)
        ) as metrics_worse,
        count(*) filter (where funnel.is_small_base) as metrics_small_base,
        bool_or(funnel.is_part_period) as has_part_period
    from funnel
    inner join metrics on funnel.metric_id = metrics.metric_id
    group by all
),

final as (
    select
        *,
        (metrics_better - metrics_worse) / metrics_compared as net_better_share,
        metrics_better::varchar || ' better, ' || metrics_worse::varchar || ' worse, '
        || (metrics_compared - metrics_better - metrics_worse)::varchar || ' similar of '
        || metrics_compared::varchar as summary_label
    from counted
)

select * from final
