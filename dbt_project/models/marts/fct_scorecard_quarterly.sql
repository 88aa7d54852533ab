-- The board scorecard: one row per unit, board quarter and indicator (seed scorecard_indicators),
-- with the unit's figure, its base and the network's figure, and a band against the network
-- instead of a position (never a 1-to-9 rank: with nine small units most differences are
-- chance). A share (a part of a base: months on time of months due, files rejected of files) is
-- compared with the network's pooled share by exact binomial limits on the unit's base; a rate
-- takes its funnel band (fct_metric_funnel, through fct_outcomes_quarterly); a figure with no
-- base (a count, a difference of means) has no interval and is described beside the network
-- median, never banded. A rate names its base (rate_base_label), which the indicator's label
-- takes in place of {rate_base}.
with board as (
    select * from {{ ref('fct_board_quarterly') }}
),

indicators as (
    select * from {{ ref('scorecard_indicators') }}
),

disruptions as (
    select
        rocu_code,
        quarter,
        per_100k_population,
        population_base_label,
        national_per_100k,
        band_95,
        band_998,
        is_small_base
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
            as unit_rate_base_label,
        -- a rate is banded by its funnel (exact Poisson limits on the unit's expected count)
        case when figure.indicator_code = 'disruptions_per_100k' then disruptions.national_per_100k end
            as rate_network_value,
        case when figure.indicator_code = 'disruptions_per_100k' then disruptions.band_95 end as rate_band_95,
        case when figure.indicator_code = 'disruptions_per_100k' then disruptions.band_998 end as rate_band_998,
        case when figure.indicator_code = 'disruptions_per_100k' then disruptions.is_small_base end
            as rate_is_small_base
    from board
    left join disruptions on board.rocu_code = disruptions.rocu_code and board.quarter = disruptions.quarter
    cross join lateral (
        values
            ('returns_on_time', board.months_on_time::double, board.months_on_time::double,
                board.months_due::double),
            ('framework_completeness', board.completeness_pct, board.metrics_reported::double,
                board.framework_return_metrics::double),
            -- impact-weighted, so not a share of counts: no binomial limits, the network median beside it
            ('non_pursue_share', board.non_pursue_impact_share_pct, null, null),
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

with_network as (
    select
        figures.*,
        indicators.sort_order,
        indicators.label,
        indicators.higher_is_better,
        indicators.figure_format,
        indicators.shown_as_share,
        figures.numerator is not null and figures.base > 0 as is_share,
        -- a unit without the figure still names the base the others' rates are on
        coalesce(
            figures.unit_rate_base_label,
            max(figures.unit_rate_base_label) over network_quarter
        ) as rate_base_label,
        count(figures.value) over network_quarter as units_with_figure,
        sum(figures.numerator) filter (where figures.base > 0) over network_quarter as network_numerator,
        sum(figures.base) filter (where figures.base > 0 and figures.numerator is not null) over network_quarter
            as network_base,
        median(figures.value) over network_quarter as network_median,
        min(figures.value) over network_quarter as network_min,
        max(figures.value) over network_quarter as network_max
    from figures
    inner join indicators on figures.indicator_code = indicators.indicator_code
    window network_quarter as (partition by figures.quarter, figures.indicator_code)
),

shares as (
    select
        *,
        network_numerator / nullif(network_base, 0) as network_proportion
    from with_network
),

share_rows as (
    select * from shares
    where is_share
),

limits as (
    {{ binomial_limits('share_rows', 'base', 'network_proportion') }}
),

banded as (
    select
        shares.*,
        case
            when shares.is_share then 100.0 * shares.network_proportion
            else coalesce(shares.rate_network_value, shares.network_median)
        end as network_value,
        case
            when shares.is_share then 'pooled share'
            when shares.rate_network_value is not null then 'network rate'
            when shares.value is not null then 'median'
        end as network_value_kind,
        case
            when shares.is_share and limits.n is not null
                then {{ band_against_limits('shares.numerator', 'limits.lower_95', 'limits.upper_95') }}
            else shares.rate_band_95
        end as band_95,
        case
            when shares.is_share and limits.n is not null
                then {{ band_against_limits('shares.numerator', 'limits.lower_998', 'limits.upper_998') }}
            else shares.rate_band_998
        end as band_998,
        case
            when shares.is_share then {{ is_small_base('shares.base') }}
            else coalesce(shares.rate_is_small_base, false)
        end as is_small_base
    from shares
    left join limits
        on shares.is_share
        and shares.base = limits.n
        and shares.network_proportion = limits.p
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
        network_value,
        network_value_kind,
        network_numerator,
        network_base,
        network_median,
        network_min,
        network_max,
        units_with_figure,
        band_95,
        band_998,
        -- in the indicator's direction where it has one; 'higher' / 'lower' where more is not better
        case
            when band_95 is null then null
            when band_95 = 'similar' then 'similar'
            when higher_is_better is null then band_95
            when (band_95 = 'higher') = higher_is_better then 'better'
            else 'worse'
        end as comparison,
        is_small_base
    from banded
)

select
    *,
    count(*) filter (where comparison = 'better') over unit_quarter as indicators_better,
    count(*) filter (where comparison = 'similar') over unit_quarter as indicators_similar,
    count(*) filter (where comparison = 'worse') over unit_quarter as indicators_worse,
    count(*) filter (where comparison is not null) over unit_quarter as indicators_compared
from final
window unit_quarter as (partition by quarter, rocu_code)
