-- Prevent and protect activity against a later outcome (issue 13 item 5; links in
-- seeds/framework/outcome_links.csv): per unit and link, the months in which the unit reported
-- the activity and, lag_months later, the outcome, and Spearman's rank correlation between them
-- over those months (Pearson's on average ranks, so ties share a rank), with a 95% interval from
-- Fisher's z (standard error 1.06 / sqrt(n - 3) for a rank correlation, Fieller, Hartley and
-- Pearson 1957). The interval wholly above or below zero says positive or negative; otherwise no
-- clear association. An association over time, never a cause: each link carries its caveat.
-- Fewer than var association_min_months paired months give no figure.
with monthly as (
    select * from {{ ref('fct_metric_monthly') }}
),

links as (
    select * from {{ ref('outcome_links') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

paired as (
    select
        links.link_id,
        activity.rocu_code,
        activity.month,
        activity.value as activity_value,
        outcome.value as outcome_value
    from links
    inner join monthly as activity on links.activity_metric_id = activity.metric_id
    inner join monthly as outcome
        on links.outcome_metric_id = outcome.metric_id
        and activity.rocu_code = outcome.rocu_code
        and outcome.month = strftime(
            strptime(activity.month, '%Y-%m') + to_months(links.lag_months::integer), '%Y-%m'
        )
    where activity.value is not null and outcome.value is not null
),

ranked as (
    select
        *,
        (
            rank() over (partition by link_id, rocu_code order by activity_value)
            + count(*) over (partition by link_id, rocu_code)
            - rank() over (partition by link_id, rocu_code order by activity_value desc) + 1
        ) / 2.0 as activity_rank,
        (
            rank() over (partition by link_id, rocu_code order by outcome_value)
            + count(*) over (partition by link_id, rocu_code)
            - rank() over (partition by link_id, rocu_code order by outcome_value desc) + 1
        ) / 2.0 as outcome_rank
    from paired
),

by_unit as (
    select
        link_id,
        rocu_code,
        count(*) as months_paired,
        min(month) as first_month,
        max(month) as last_month,
        sum(activity_value) as activity_total,
        sum(outcome_value) as outcome_total,
        corr(activity_rank, outcome_rank) as spearman_raw
    from ranked
    group by link_id, rocu_code
),

estimated as (
    select
        by_unit.*,
        by_unit.months_paired >= {{ var('association_min_months', 10) }} and by_unit.spearman_raw is not null
            as is_estimated,
        -- a perfect rank agreement has no finite z: it is held just inside +/-1
        greatest(least(by_unit.spearman_raw, 0.9999), -0.9999) as spearman_held
    from by_unit
),

final as (
    select
        estimated.link_id,
        estimated.rocu_code,
        links.activity_metric_id,
        activity.metric_name as activity_name,
        links.outcome_metric_id,
        outcome.metric_name as outcome_name,
        links.lag_months,
        links.question,
        links.caveat,
        estimated.months_paired,
        estimated.first_month,
        estimated.last_month,
        estimated.activity_total,
        estimated.outcome_total,
        case when estimated.is_estimated then round(estimated.spearman_raw, 2) end as spearman_r,
        case when estimated.is_estimated then round(
            tanh(atanh(estimated.spearman_held) - 1.96 * 1.06 / sqrt(estimated.months_paired - 3)), 2
        ) end as lower_95,
        case when estimated.is_estimated then round(
            tanh(atanh(estimated.spearman_held) + 1.96 * 1.06 / sqrt(estimated.months_paired - 3)), 2
        ) end as upper_95,
        not estimated.is_estimated as is_too_few_months
    from estimated
    inner join links on estimated.link_id = links.link_id
    inner join metrics as activity on links.activity_metric_id = activity.metric_id
    inner join metrics as outcome on links.outcome_metric_id = outcome.metric_id
)

select
    *,
    case
        when is_too_few_months then null
        when lower_95 > 0 then 'positive'
        when upper_95 < 0 then 'negative'
        else 'no clear association'
    end as association
from final
