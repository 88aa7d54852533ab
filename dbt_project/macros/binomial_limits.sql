{#-
  Exact binomial control limits for a proportion (Spiegelhalter 2005; /work/shared/STATS.md),
  in SQL like poisson_limits so the models stay unit-testable. DuckDB has no binomial quantile
  function: for each distinct pair of denominator n and benchmark proportion p this accumulates
  the probability mass exp(ln C(n, k) + k ln p + (n - k) ln(1 - p)) over counts k (lgamma gives
  the log factorials) and takes the first k whose cumulative probability reaches the level,
  which is scipy.stats.binom.ppf(level, n, p). Counts further than 12 standard deviations (plus
  a margin) from n p carry less than 1e-30 of the mass and are not summed. p = 0 gives 0 and
  p = 1 gives n at every level; n = 0 gives 0.

  From a variance n p (1 - p) of 10,000 (above every pair of the demo), as for poisson_limits, the
  quantile is the normal approximation with its first skewness term and a continuity correction,
  ceil(n p + z s + (1 - 2p)(z^2 - 1) / 6 - 0.5) with s = sqrt(n p (1 - p)): against scipy's exact
  quantile for 3,700 pairs (n up to 10^7) at the four levels, 99.8-100% equal, never more than one
  count apart, where the sum would take 24 s rows per pair.

  `binomial_limits(relation, n_column, p_column)` is a select, for use as a CTE body, with one
  row per distinct (n, p): `n`, `p`, then the quantiles at 0.001, 0.025, 0.975 and 0.999
  (`lower_998`, `lower_95`, `upper_95`, `upper_998`): the two-sided 99.8% and 95% limits on
  the numerator. Join back on n and p.
-#}
{% macro binomial_limits(relation, n_column='n', p_column='p') -%}
    with pairs as (
        select distinct
            {{ n_column }}::bigint as n,
            {{ p_column }}::double as p
        from {{ relation }}
        where {{ n_column }} >= 0 and {{ p_column }} between 0 and 1
    ),

    counts as (
        select
            n,
            p,
            unnest(range(
                greatest(0, floor(n * p - 12 * sqrt(n * p * (1 - p)) - 10))::bigint,
                least(n, ceil(n * p + 12 * sqrt(n * p * (1 - p)) + 20)::bigint) + 1
            )) as k
        from pairs
        where n > 0 and p > 0 and p < 1 and n * p * (1 - p) < 10000
    ),

    cumulative as (
        select
            n,
            p,
            k,
            sum(exp(
                lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * ln(p) + (n - k) * ln(1 - p)
            )) over (
                partition by n, p order by k rows between unbounded preceding and current row
            ) as cdf
        from counts
    ),

    quantiles as (
        select
            n,
            p,
            -- a level the summed mass never reaches by rounding is reached at n
            coalesce(min(k) filter (where cdf >= 0.001), any_value(n)) as lower_998,
            coalesce(min(k) filter (where cdf >= 0.025), any_value(n)) as lower_95,
            coalesce(min(k) filter (where cdf >= 0.975), any_value(n)) as upper_95,
            coalesce(min(k) filter (where cdf >= 0.999), any_value(n)) as upper_998
        from cumulative
        group by n, p

        union all

        select
            n,
            p,
            {%- for name, z in [('lower_998', -3.090232306), ('lower_95', -1.959963985),
                                ('upper_95', 1.959963985), ('upper_998', 3.090232306)] %}
            ceil(n * p + {{ z }} * sqrt(n * p * (1 - p)) + (1 - 2 * p) * ({{ z }} ^ 2 - 1) / 6 - 0.5)::bigint
                as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from pairs
        where p > 0 and p < 1 and n * p * (1 - p) >= 10000
    )

    select
        pairs.n,
        pairs.p,
        case when pairs.p >= 1 then pairs.n else coalesce(quantiles.lower_998, 0) end as lower_998,
        case when pairs.p >= 1 then pairs.n else coalesce(quantiles.lower_95, 0) end as lower_95,
        case when pairs.p >= 1 then pairs.n else coalesce(quantiles.upper_95, 0) end as upper_95,
        case when pairs.p >= 1 then pairs.n else coalesce(quantiles.upper_998, 0) end as upper_998
    from pairs
    left join quantiles on pairs.n = quantiles.n and pairs.p = quantiles.p
{%- endmacro %}
