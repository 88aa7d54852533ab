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

winsorised as (
    select
        *,
        least(
            greatest(z_score, quantile_cont(z_score, 0.1) over funnel_group),
            quantile_cont(z_score, 0.9) over funnel_group
        ) as z_winsorised
    from scored
    window funnel_group as (partition by metric_id, period_type, period, base_name)
),

with_phi as (
    select
        *,
        avg(power(z_winsorised, 2)) over (partition by metric_id, period_type, period, base_name) as phi
    from winsorised
),

estimated as (
    select
        metric_id,
        period_type,
        period,
        base_name,
        count(*) as units_compared,
        count(*) filter (where band_95 <> 'similar') as units_outside_95,
        any_value(phi) as phi,
        count(*) filter (where abs(z_score) > 1.96 * sqrt(greatest(phi, 1))) as units_outside_widened_95
    from with_phi
    group by metric_id, period_type, period, base_name
)

select
    metric_id,
    period_type,
    period,
    base_name,
    units_compared,
    units_outside_95,
    units_compared / 20.0 as units_outside_95_by_chance,  -- 5% of them
    round(phi, 3) as phi,
    -- beyond the 95th percentile of chi-squared on k = n - 1 degrees of freedom (Wilson-Hilferty:
    -- within 0.1 of the exact value from k = 2; 15.5 for nine units)
    coalesce(
        units_compared * phi > (units_compared - 1) * power(
            1 - 2.0 / (9 * nullif(units_compared - 1, 0))
            + 1.6449 * sqrt(2.0 / (9 * nullif(units_compared - 1, 0))), 3
        ),
        false
    ) as is_overdispersed,
    round(sqrt(greatest(phi, 1)), 3) as limit_widening_factor,
    units_outside_widened_95
from estimated
