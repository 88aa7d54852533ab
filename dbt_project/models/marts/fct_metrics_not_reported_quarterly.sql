-- Framework monthly-return metrics a unit did not report in a board quarter, with the last
-- month it ever reported them (up to the quarter's end; empty when never) and how many units
-- had never reported the metric by then. Only metrics the unit was expected to report count:
-- those its capabilities produce in some month of the quarter (int_unit_expected_metrics_monthly).
with quarters as (
    select * from {{ ref('dim_quarter') }}
),

bridge as (
    select * from {{ ref('int_month_quarters') }}
),

expected as (
    select distinct e.rocu_code, bridge.quarter, d.metric_id, d.metric_name, d.strand_code
    from {{ ref('int_unit_expected_metrics_monthly') }} as e
    inner join bridge on e.month = bridge.month
    inner join {{ ref('dim_metric') }} as d on e.metric_id = d.metric_id
),

returned as (
    select rocu_code, metric_id, month
    from {{ ref('fct_metric_monthly') }}
    where source = 'monthly_return'
),

-- only quarters some unit reported in
active_quarters as (
    select distinct bridge.quarter
    from returned inner join bridge on returned.month = bridge.month
),

per_quarter as (
    select
        quarters.quarter,
        quarters.quarter_scheme,
        expected.rocu_code,
        expected.metric_id,
        expected.metric_name,
        expected.strand_code,
        bool_or(returned.month between quarters.first_month and quarters.last_month) as in_quarter,
        max(returned.month) as last_month
    from quarters
    inner join active_quarters on quarters.quarter = active_quarters.quarter
    inner join expected on quarters.quarter = expected.quarter
    left join returned
        on expected.rocu_code = returned.rocu_code
        and expected.metric_id = returned.metric_id
        and quarters.last_month >= returned.month
    group by all
),

final as (
    select
        rocu_code,
        quarter,
        quarter_scheme,
        metric_id,
        metric_name,
        strand_code,
        last_month,
        last_month is null as is_never_reported,
        count(*) filter (where last_month is null) over (partition by quarter, metric_id) as units_never_reported
    from per_quarter
    where not coalesce(in_quarter, false)
)

select * from final
