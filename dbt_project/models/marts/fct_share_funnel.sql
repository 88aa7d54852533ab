-- Funnel comparison of units on proportions (Spiegelhalter 2005; docs in _marts__share_funnel.yml):
-- each share against the network's, with exact binomial 95% and 99.8% limits on the unit's
-- numerator given its denominator n and the network proportion p, and a band 'higher' /
-- 'similar' / 'lower' instead of a rank. The shares are
--   * the catalogue's percentages that combine as ratios of counts (unit 'percent', summed as
--     numerator over denominator in time and space, whose base is a count: the cyber protect
--     questionnaire, Gateway acceptance, disruptions with a narrative; not the vacancy rate,
--     whose base is FTE), with the numerator and denominator the unit reported;
--   * the share of the region's disruptions led by the ROCU (fct_disruptions_lead_share).
-- A proportion needs no scaling for months missing (it is a ratio over the cases counted), but a
-- part period is marked ("7 of 12 months") and never ranked, as in fct_metric_funnel.
-- The network's share counts a disruption two units count once (as fct_metric_comparison's and
-- fct_disruptions_lead_share's network figures do): those cases come off its numerator and base.
with comparison as (
    select * from {{ ref('fct_metric_comparison') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

lead_share as (
    select * from {{ ref('fct_disruptions_lead_share') }}
),

disruptions as (
    select * from {{ ref('fct_disruptions') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

metric_shares as (
    select
        comparison.rocu_code,
        comparison.metric_id as share_id,
        metrics.metric_name as share_name,
        metrics.higher_is_better,
        comparison.period_type,
        comparison.period,
        comparison.months_in_period,
        comparison.months_reported,
        -- a share reported as a percentage of its base stands for a whole number of cases
        round(comparison.numerator)::bigint as numerator,
        round(comparison.denominator)::bigint as denominator,
        coalesce(comparison.national_numerator_counted_by_more_than_one_unit, 0) as network_numerator_counted_twice,
        coalesce(comparison.national_counted_by_more_than_one_unit, 0) as network_denominator_counted_twice
    from comparison
    inner join metrics on comparison.metric_id = metrics.metric_id
    left join metrics as bases on metrics.denominator_metric_id = bases.metric_id
    where metrics.unit = 'percent'
        and metrics.time_aggregation = 'ratio'
        and metrics.space_aggregation = 'ratio'
        and coalesce(bases.unit, 'count') = 'count'
        and comparison.numerator is not null
        and comparison.denominator > 0
),

-- The disruption extract is network-wide: a period it covers only in part is a part period for
-- every unit (months with no disruption for one unit are true zeros, not months missing).
extract_months as (
    select
        period.period_type,
        period.period,
        count(distinct disruptions.month) as months_reported
    from disruptions
    inner join months on disruptions.month = months.month
    cross join lateral {{ month_periods('months') }}
    group by period.period_type, period.period
),

led_shares as (
    select
        lead_share.rocu_code,
        'DIS_LED_SHARE' as share_id,
        'Share of the region''s disruptions led by the ROCU' as share_name,
        null::boolean as higher_is_better,
        lead_share.period_type,
        lead_share.period,
        lead_share.months_in_period,
        extract_months.months_reported,
        lead_share.led as numerator,
        lead_share.lead_base as denominator,
        -- a shared disruption is led by one unit, supported by the other: in both bases, one numerator
        0 as network_numerator_counted_twice,
        coalesce(lead_share.network_counted_by_more_than_one_unit, 0) as network_denominator_counted_twice
    from lead_share
    inner join extract_months
        on lead_share.period_type = extract_months.period_type
        and lead_share.period = extract_months.period
    where lead_share.lead_base > 0
),

shares as (
    select * from metric_shares
    union all
    select * from led_shares
),

with_network_counts as (
    select
        shares.*,
        count(*) over network_period as units_compared,
        sum(shares.numerator) over network_period - max(shares.network_numerator_counted_twice) over network_period
            as network_numerator,
        sum(shares.denominator) over network_period - max(shares.network_denominator_counted_twice) over network_period
            as network_denominator,
        max(shares.network_denominator_counted_twice) over network_period as network_counted_by_more_than_one_unit
    from shares
    window network_period as (partition by shares.share_id, shares.period_type, shares.period)
),

with_network as (
    select
        *,
        network_numerator / network_denominator as network_proportion
    from with_network_counts
),

limits as (
    {{ binomial_limits('with_network', 'denominator', 'network_proportion') }}
),

final as (
    select
        with_network.rocu_code,
        with_network.share_id,
        with_network.share_name,
        with_network.higher_is_better,
        with_network.period_type,
        with_network.period,
        with_network.months_in_period,
        with_network.months_reported,
        with_network.months_reported < with_network.months_in_period as is_part_period,
        with_network.months_reported::varchar || ' of ' || with_network.months_in_period::varchar || ' months'
            as months_label,
        with_network.numerator,
        with_network.denominator,
        100.0 * with_network.numerator / with_network.denominator as observed_pct,
        with_network.units_compared,
        with_network.network_numerator,
        with_network.network_denominator,
        with_network.network_counted_by_more_than_one_unit,
        100.0 * with_network.network_proportion as network_pct,
        with_network.denominator * with_network.network_proportion as expected,
        limits.lower_998 as lower_998_count,
        limits.lower_95 as lower_95_count,
        limits.upper_95 as upper_95_count,
        limits.upper_998 as upper_998_count,
        100.0 * limits.lower_998 / with_network.denominator as lower_998_pct,
        100.0 * limits.lower_95 / with_network.denominator as lower_95_pct,
        100.0 * limits.upper_95 / with_network.denominator as upper_95_pct,
        100.0 * limits.upper_998 / with_network.denominator as upper_998_pct,
        {{ band_against_limits('with_network.numerator', 'limits.lower_95', 'limits.upper_95') }} as band_95,
        {{ band_against_limits('with_network.numerator', 'limits.lower_998', 'limits.upper_998') }} as band_998,
        {{ is_small_base('with_network.denominator') }} as is_small_base
    from with_network
    inner join limits
        on with_network.denominator = limits.n
        and with_network.network_proportion = limits.p
),

-- A place in the network's order only outside the 95% limits over a whole period, as in
-- fct_metric_funnel: where the band is 'similar' the order is chance.
ranked as (
    select
        final.*,
        rank() over (
            partition by final.share_id, final.period_type, final.period order by final.observed_pct desc
        ) as pct_rank,
        count(*) over (partition by final.share_id, final.period_type, final.period) as units_ranked
    from final
)

select
    * exclude (pct_rank),
    case when band_95 <> 'similar' and not is_part_period then pct_rank end as rank_shown
from ranked
