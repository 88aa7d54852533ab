-- How much more the units of a funnel plot spread than chance alone would make them
-- (Spiegelhalter 2005, "Funnel plots for comparing institutional performance", section 4;
-- /work/shared/STATS.md): one row per metric, period and base of fct_metric_funnel. Each unit's
-- Poisson z-score is (observed - expected) / sqrt(expected); the z-scores are winsorised at the
-- group's 10th and 90th percentiles so one extreme unit does not make the estimate, and the
-- overdispersion factor phi is their mean square. Chance alone gives phi near 1; n x phi beyond
-- the 95th percentile of chi-squared on n - 1 degrees of freedom says the spread is larger.
-- With nine units the estimate is unstable: it is reported, and the funnel's limits are not
-- widened by it; units outside limits widened by sqrt(phi) are counted for the reader.
with funnel as (
    select * from {{ ref('fct_metric_funnel') }}
    where expected > 0
),

scored as (
    select
        metric_id,
        period_type,
        period,
        base_name,
        band_95,
        (observed - expected) / sqrt(expected) as z_score
    from funnel
),

bounds as (
    select
        metric_id,
        period_type,
        period,
        base_name,
        count(*) as units_compared,
        quantile_cont(z_score, 0.1) as z_p10,
        quantile_cont(z_score, 0.9) as z_p90
    from scored
    group by metric_id, period_type, period, base_name
),

estimated as (
    select
        bounds.metric_id,
        bounds.period_type,
        bounds.period,
        bounds.base_name,
        bounds.units_compared,
        count(*) filter (where scored.band_95 <> 'similar') as units_outside_95,
        avg(power(least(greatest(scored.z_score, bounds.z_p10), bounds.z_p90), 2)) as phi,
        -- chi-squared 95th percentile on k = n - 1 degrees of freedom (Wilson-Hilferty: within 0.1
        -- of the exact value from k = 2; 15.5 for nine units)
        (bounds.units_compared - 1) * power(
            1 - 2.0 / (9 * nullif(bounds.units_compared - 1, 0))
            + 1.6449 * sqrt(2.0 / (9 * nullif(bounds.units_compared - 1, 0))), 3
        ) as chi_squared_95
    from bounds
    inner join scored
        on bounds.metric_id = scored.metric_id
        and bounds.period_type = scored.period_type
        and bounds.period = scored.period
        and bounds.base_name = scored.base_name
    group by all
),

widened as (
    select
        estimated.metric_id,
        estimated.period_type,
        estimated.period,
        estimated.base_name,
        count(*) filter (where abs(scored.z_score) > 1.96 * sqrt(greatest(estimated.phi, 1)))
            as units_outside_widened_95
    from estimated
    inner join scored
        on estimated.metric_id = scored.metric_id
        and estimated.period_type = scored.period_type
        and estimated.period = scored.period
        and estimated.base_name = scored.base_name
    group by all
)

select
    estimated.metric_id,
    estimated.period_type,
    estimated.period,
    estimated.base_name,
    estimated.units_compared,
    estimated.units_outside_95,
    estimated.units_compared / 20.0 as units_outside_95_by_chance,  -- 5% of them
    round(estimated.phi, 3) as phi,
    coalesce(estimated.units_compared * estimated.phi > estimated.chi_squared_95, false) as is_overdispersed,
    round(sqrt(greatest(estimated.phi, 1)), 3) as limit_widening_factor,
    widened.units_outside_widened_95
from estimated
inner join widened
    on estimated.metric_id = widened.metric_id
    and estimated.period_type = widened.period_type
    and estimated.period = widened.period
    and estimated.base_name = widened.base_name
