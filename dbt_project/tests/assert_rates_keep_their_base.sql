-- Every rate can be recomputed from the base kept beside it, and ratio metrics are
-- recomputed from numerator and denominator (never an average of percentages).
select rocu_code, metric_id, period_type, period, 'per_100k' as problem
from {{ ref('fct_metric_comparison') }}
where per_100k_population is not null
    and abs(per_100k_population - 100000.0 * value / population) > 1e-6 * greatest(1, abs(per_100k_population))
union all
select rocu_code, metric_id, period_type, period, 'ratio'
from {{ ref('fct_metric_comparison') }}
where numerator is not null and denominator > 0
    and abs(value - 100.0 * numerator / denominator) > 1e-6
