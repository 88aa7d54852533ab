-- The board scorecard: one row per unit, board quarter and indicator (seed scorecard_indicators),
-- with the unit's figure, its base, the network median, minimum and maximum, and the unit's
-- position among the units with a figure (1 = best in the indicator's direction; equal
-- figures share a position, marked joint). A rate names its base (rate_base_label), which the
-- indicator's label takes in place of {rate_base}.
with board as (
    select * from {{ ref('fct_board_quarterly') }}
),

indicators as (
    select * from {{ ref('scorecard_indicators') }}
),

disruptions as (
    select rocu_code, quarter, per_100k_population, population_base_label
    from {{ ref('fct_outcomes_quarterly') }}
    where metric_id = 'DIS_TOTAL'
),

figures as (
    select
        board.rocu_code,
        board.quarter,
        board.quarter_scheme,
        figure.indicator_code,
        figure.value,
        figure.numerator,
        figure.base,
        case when figure.indicator_code = 'disruptions_per_100k' then disruptions.population_base_label end
            as unit_rate_base_label
    from board
    left join disruptions on board.rocu_code = disruptions.rocu_code and board.quarter = disruptions.quarter
    cross join lateral (
        values
            ('returns_on_time', board.months_on_time::double, board.months_on_time::double,
                board.months_due::double),
            ('framework_completeness', board.completeness_pct, board.metrics_reported::double,
                board.framework_return_metrics::double),
            ('non_pursue_share', board.non_pursue_share_pct, board.non_pursue_figures::double,
                board.figures_above_zero::double),
            ('files_rejected', board.rejected_versions::double, board.rejected_versions::double,
                board.versions::double),
            ('unmapped_labels', board.unmapped_labels::double, null, null),
            ('morile_gap', board.morile_gap_rocu_minus_forces, null, null),
            ('tasking_meetings', board.tasking_meetings::double, null, null),
            ('longest_tasking_gap', board.max_days_between_meetings::double, null, null),
            ('gateway_acceptance', board.gateway_acceptance_pct, board.gateway_accepted::double,
                board.gateway_received::double),
            ('vacancy_rate', board.vacancy_rate_pct, null, null),
            ('fixed_term_share', board.fixed_term_share_pct, null, null),
            ('disruptions_per_100k', disruptions.per_100k_population, null, null)
    ) as figure (indicator_code, value, numerator, base)
),

ranked as (
    select
        figures.*,
        indicators.sort_order,
        indicators.label,
        indicators.higher_is_better,
        indicators.figure_format,
        indicators.shown_as_share,
        -- a figure with no direction (tasking meetings: more is not better) is described, never ranked
        case when figures.value is not null and indicators.higher_is_better is not null then
            rank() over (
                partition by figures.quarter, figures.indicator_code, figures.value is null
                order by case when indicators.higher_is_better then -figures.value else figures.value end
            )
        end as network_position,
        -- a unit without the figure still names the base the others' rates are on
        coalesce(
            figures.unit_rate_base_label,
            max(figures.unit_rate_base_label) over (partition by figures.quarter, figures.indicator_code)
        ) as rate_base_label,
        count(figures.value) over (partition by figures.quarter, figures.indicator_code) as units_ranked,
        median(figures.value) over (partition by figures.quarter, figures.indicator_code) as network_median,
        min(figures.value) over (partition by figures.quarter, figures.indicator_code) as network_min,
        max(figures.value) over (partition by figures.quarter, figures.indicator_code) as network_max,
        count(figures.value) over (partition by figures.quarter, figures.indicator_code, figures.value)
            as units_with_same_value
    from figures
    inner join indicators on figures.indicator_code = indicators.indicator_code
),

final as (
    select
        rocu_code,
        quarter,
        quarter_scheme,
        indicator_code,
        sort_order,
        label,
        higher_is_better,
        figure_format,
        shown_as_share,
        value,
        numerator,
        base,
        rate_base_label,
        network_median,
        network_min,
        network_max,
        network_position,
        coalesce(
            value is not null and higher_is_better is not null and units_with_same_value > 1, false
        ) as is_joint_position,
        units_ranked,
        case
            when higher_is_better is null then null
            when higher_is_better then coalesce(value >= network_median, false)
            else coalesce(value <= network_median, false)
        end as is_at_or_better_than_median
    from ranked
)

select
    *,
    count(*) filter (where is_at_or_better_than_median) over (partition by quarter, rocu_code)
        as indicators_at_or_better_than_median,
    count(*) filter (where higher_is_better is not null) over (partition by quarter, rocu_code) as indicators
from final
