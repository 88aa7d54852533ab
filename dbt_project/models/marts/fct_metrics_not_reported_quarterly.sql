-- Framework monthly-return metrics a unit did not report in a board quarter (of those it is
-- expected to report, int_metrics_expected_by_unit), with the last
-- month it ever reported them (up to the quarter's end; empty when never) and how many units
-- had never reported the metric by then.
with quarters as (
    select * from {{ ref('dim_quarter') }}
),

bridge as (
    select * from {{ ref('int_month_quarters') }}
),

-- what each unit is expected to report (optional metrics only where its template maps them)
expected as (
    select e.rocu_code, d.metric_id, d.metric_name, d.strand_code
    from {{ ref('int_metrics_expected_by_unit') }} as e
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
    cross join expected
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
