-- The 4Ps per unit and board quarter: for each strand, how many framework metrics it has, how
-- many the unit reported, in how many of the quarter's ended months it gave a figure above
-- zero, and the network median of those months.
with bridge as (
    select * from {{ ref('int_month_quarters') }}
),

strands as (
    select strand_code, count(*) as framework_metrics
    from {{ ref('dim_metric') }}
    where source = 'monthly_return' and strand_code in ('pursue', 'prevent', 'protect', 'prepare')
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
        rocu_code,
        quarter,
        strand_code,
        count(distinct metric_id) as metrics_reported,
        count(distinct month) filter (where value > 0) as months_with_figure,
        count(*) filter (where value > 0) as figures_above_zero
    from returned
    group by all
),

final as (
    select
        board.rocu_code,
        board.quarter,
        board.quarter_scheme,
        strands.strand_code,
        strands.framework_metrics,
        coalesce(per_strand.metrics_reported, 0) as metrics_reported,
        strands.framework_metrics - coalesce(per_strand.metrics_reported, 0) as metrics_not_reported,
        coalesce(per_strand.months_with_figure, 0) as months_with_figure,
        coalesce(per_strand.figures_above_zero, 0) as figures_above_zero,
        board.months_due,
        board.months_due > 0 and coalesce(per_strand.months_with_figure, 0) >= board.months_due as is_every_month,
        median(coalesce(per_strand.months_with_figure, 0)) over (partition by board.quarter, strands.strand_code)
            as network_median_months_with_figure
    from board
    cross join strands
    left join per_strand
        on board.rocu_code = per_strand.rocu_code
        and board.quarter = per_strand.quarter
        and strands.strand_code = per_strand.strand_code
)

select * from final
