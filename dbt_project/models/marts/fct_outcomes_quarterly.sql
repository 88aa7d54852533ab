-- Outcomes per unit, metric and board quarter (both schemes): the comparison of
-- fct_metric_comparison for the quarter, with each rate as an index of the network rate
-- (network = 100) and the unit's distance from its peer median, as the board paper states them;
-- its band against the network and a rank only where the band allows one (fct_metric_funnel).
with comparison as (
    select * from {{ ref('fct_metric_comparison') }}
),

funnel as (
    select * from {{ ref('fct_metric_funnel') }}
    where base_name = 'population'
),

quarters as (
    select * from {{ ref('dim_quarter') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

final as (
    select
        comparison.rocu_code,
        quarters.quarter,
        quarters.quarter_scheme,
        comparison.metric_id,
        metrics.metric_name,
        metrics.strand_code,
        metrics.source,
        metrics.higher_is_better,
        comparison.unit,
        comparison.value,
        comparison.months_in_period,
        comparison.months_reported,
        comparison.population,
        comparison.population_year,
        comparison.population_is_approximate,
        comparison.officer_fte,
        comparison.officers_as_at,
        comparison.population_status,
        comparison.officers_status,
        comparison.population_base_label,
        comparison.officer_base_label,
        comparison.national_population_base_label,
        comparison.national_officer_base_label,
        comparison.per_100k_population,
        comparison.per_officer,
        funnel.band_95,
        funnel.band_998,
        funnel.rank_shown,
        funnel.is_small_base,
        comparison.units_reporting,
        comparison.peer_group_id,
        comparison.peer_group_label,
        comparison.peer_median_per_100k,
        comparison.peer_median_per_officer,
        comparison.national_per_100k,
        comparison.national_per_officer,
        comparison.officer_rate,
        comparison.peer_median_officer_rate,
        comparison.national_officer_rate,
        100.0 * comparison.per_100k_population / nullif(comparison.national_per_100k, 0) as index_vs_network,
        100.0 * comparison.peer_median_per_100k / nullif(comparison.national_per_100k, 0) as peer_index_vs_network,
        100.0 * (comparison.per_100k_population / nullif(comparison.peer_median_per_100k, 0) - 1)
            as pct_above_peer_median
    from comparison
    inner join quarters
        on comparison.period_type = quarters.comparison_period_type
        and comparison.period = quarters.comparison_period
    inner join metrics on comparison.metric_id = metrics.metric_id
    left join funnel
        on comparison.rocu_code = funnel.rocu_code
        and comparison.metric_id = funnel.metric_id
        and comparison.period_type = funnel.period_type
        and comparison.period = funnel.period
)

select * from final
