-- The 4Ps per unit and board quarter: for each strand, how many framework metrics the unit's
-- capabilities produce (int_unit_expected_metrics_monthly), how many of those it reported and
-- in how many of the quarter's ended months (the network median beside it): that is whether
-- the strand is reported. What the strand weighs is its share of the unit's counted
-- disruptions weighted by impact level (int_disruptions__counted), never a count of figures
-- above zero, which made one prevent figure weigh as much as 500 arrests.
with bridge as (
    select * from {{ ref('int_month_quarters') }}
),

strands as (
    select strand_code, count(*) as framework_metrics
    from {{ ref('dim_metric') }}
    where source = 'monthly_return' and strand_code in ('pursue', 'prevent', 'protect', 'prepare')
    group by all
),

-- the strand's metrics the unit's capabilities produce in some month of the quarter
expected as (
    select distinct e.rocu_code, bridge.quarter, d.strand_code, e.metric_id
    from {{ ref('int_unit_expected_metrics_monthly') }} as e
    inner join bridge on e.month = bridge.month
    inner join {{ ref('dim_metric') }} as d on e.metric_id = d.metric_id
),

expected_per_strand as (
    select rocu_code, quarter, strand_code, count(*) as expected_metrics
    from expected
    group by all
),

board as (
    select rocu_code, quarter, quarter_scheme, months_due from {{ ref('fct_board_quarterly') }}
),

returned as (
    select f.rocu_code, f.month, f.metric_id, f.strand_code, f.value, bridge.quarter
    from {{ ref('fct_metric_monthly') }} as f
    inner join bridge on f.month = bridge.month
    where f.source = 'monthly_return'
),

per_strand as (
    select
        returned.rocu_code,
        returned.quarter,
        returned.strand_code,
        count(distinct expected.metric_id) as metrics_reported,
        count(distinct returned.month) filter (where returned.value > 0) as months_with_figure
    from returned
    left join expected
        on returned.rocu_code = expected.rocu_code
        and returned.quarter = expected.quarter
        and returned.metric_id = expected.metric_id
    group by all
),

weighed as (
    select * from {{ ref('int_disruptions__by_unit_quarter') }}
),

final as (
    select
        board.rocu_code,
        board.quarter,
        board.quarter_scheme,
        strands.strand_code,
        coalesce(expected_per_strand.expected_metrics, 0) as framework_metrics,
        coalesce(per_strand.metrics_reported, 0) as metrics_reported,
        coalesce(expected_per_strand.expected_metrics, 0) - coalesce(per_strand.metrics_reported, 0)
            as metrics_not_reported,
        coalesce(per_strand.months_with_figure, 0) as months_with_figure,
        coalesce(weighed.disruptions, 0) as disruptions,
        coalesce(weighed.impact_weighted_disruptions, 0) as impact_weighted_disruptions,
        round(100.0 * coalesce(weighed.impact_weighted_disruptions, 0)
            / nullif(sum(coalesce(weighed.impact_weighted_disruptions, 0)) over unit_quarter, 0), 1)
            as impact_weighted_share_pct,
        board.months_due,
        board.months_due > 0 and coalesce(per_strand.months_with_figure, 0) >= board.months_due as is_every_month,
        median(coalesce(per_strand.months_with_figure, 0)) over (partition by board.quarter, strands.strand_code)
            as network_median_months_with_figure
    from board
    cross join strands
    left join expected_per_strand
        on board.rocu_code = expected_per_strand.rocu_code
        and board.quarter = expected_per_strand.quarter
        and strands.strand_code = expected_per_strand.strand_code
    left join per_strand
        on board.rocu_code = per_strand.rocu_code
        and board.quarter = per_strand.quarter
        and strands.strand_code = per_strand.strand_code
    left join weighed
        on board.rocu_code = weighed.rocu_code
        and board.quarter = weighed.quarter
        and strands.strand_code = weighed.strand_code
    window unit_quarter as (partition by board.rocu_code, board.quarter)
)

select * from final
