{#-
  Exact Poisson control limits (Spiegelhalter 2005; /work/shared/STATS.md), in SQL so the
  models stay unit-testable. DuckDB has no Poisson quantile function: for each distinct
  expected count E this accumulates the probability mass exp(k ln E - E - lgamma(k + 1)) over
  counts k and takes the first k whose cumulative probability reaches the level, which is
  scipy.stats.poisson.ppf(level, E). The sum starts 8 standard deviations (plus a margin) below
  E, where less than 1e-15 of the mass lies below (it changes no comparison with a level), and
  stops 6 above, past the 0.999 quantile (about 3.1 above); a wider range gave the same limits on
  every demo row at 1.6 times the rows to sum. E = 0 gives 0 at every level.

  From E = 10,000 (above every expected count of the demo) the sum would take 14 sqrt(E) rows per
  count and made most of a refresh at 1000 times the demo's volume; there the quantile is the
  normal approximation with its first skewness term and a continuity correction,
  ceil(E + z sqrt(E) + (z^2 - 1) / 6 - 0.5) (Cornish-Fisher; STATS.md: "for large E the normal
  approximation is close"): against scipy's exact quantile for 6,000 E from 10^4 to 10^6 at the
  four levels, 99.7-99.9% equal, never more than one count apart.

  `poisson_limits(relation, expected_column)` is a select, for use as a CTE body, with one
  row per distinct expected count: `expected`, then the quantiles at 0.001, 0.025, 0.975
  and 0.999 (`lower_998`, `lower_95`, `upper_95`, `upper_998`): the two-sided 99.8% and 95%
  limits on the observed count. Join back on the expected count.
-#}
{% macro poisson_limits(relation, expected_column='expected') -%}
    with expected_values as (
        select distinct {{ expected_column }} as expected
        from {{ relation }}
        where {{ expected_column }} >= 0
    ),

    counts as (
        select
            expected,
            unnest(range(
                greatest(0, floor(expected - 8 * sqrt(expected) - 10))::bigint,
                ceil(expected + 6 * sqrt(expected) + 20)::bigint + 1
            )) as k
        from expected_values
        where expected > 0 and expected < 10000
    ),

    cumulative as (
        select
            expected,
            k,
            sum(exp(k * ln(expected) - expected - lgamma(k + 1))) over (
                partition by expected order by k rows between unbounded preceding and current row
            ) as cdf
        from counts
    ),

    quantiles as (
        select
            expected,
            min(k) filter (where cdf >= 0.001) as lower_998,
            min(k) filter (where cdf >= 0.025) as lower_95,
            min(k) filter (where cdf >= 0.975) as upper_95,
            min(k) filter (where cdf >= 0.999) as upper_998
        from cumulative
        group by expected

        union all

        select
            expected,
            {%- for name, z in [('lower_998', -3.090232306), ('lower_95', -1.959963985),
                                ('upper_95', 1.959963985), ('upper_998', 3.090232306)] %}
            ceil(expected + {{ z }} * sqrt(expected) + ({{ z }} ^ 2 - 1) / 6 - 0.5)::bigint
                as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from expected_values
        where expected >= 10000
    )

    select
        expected_values.expected,
        coalesce(quantiles.lower_998, 0) as lower_998,
        coalesce(quantiles.lower_95, 0) as lower_95,
        coalesce(quantiles.upper_95, 0) as upper_95,
        coalesce(quantiles.upper_998, 0) as upper_998
    from expected_values
    left join quantiles on expected_values.expected = quantiles.expected
{%- endmacro %}
