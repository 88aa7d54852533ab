-- Framework metrics derived from the record-level extracts (disruptions, OCG register,
-- capacity, tasking), per unit and month, in the same shape as the returns' values.
with disruptions as (
    select * from {{ ref('int_disruptions__by_metric') }}
    where is_counted
),

ocgs as (
    select * from {{ ref('stg_apmis__ocg_register') }}
    where owner_type = 'rocu'
),

capacity as (
    select * from {{ ref('stg_apmis__capacity') }}
),

meetings as (
    select * from {{ ref('stg_apmis__tasking_meetings') }}
),

gateway as (
    select * from {{ ref('stg_apmis__gateway_requests') }}
),

months as (
    select calendar_months.*
    from {{ ref('calendar_months') }} as calendar_months
    where calendar_months.month in (select distinct capacity.month from capacity)
),

disruption_counts as (
    select rocu_code, month, force_code, metric_id, count(*)::double as value
    from disruptions
    where metric_id <> 'DIS_WITH_NARRATIVE_PCT'
    group by all
),

narrative_share as (
    select
        rocu_code,
        month,
        null as force_code,
        'DIS_WITH_NARRATIVE_PCT' as metric_id,
        100.0 * count(*) filter (where has_narrative) / count(*) as value,
        count(*) filter (where has_narrative) as numerator,
        count(*) as denominator
    from disruptions
    where metric_id = 'DIS_WITH_NARRATIVE_PCT'
    group by all
),

ocg_month as (
    select
        ocgs.rocu_code,
        months.month,
        count(*) filter (where ocgs.date_mapped <= last_day(months.month_start)
            and (ocgs.date_archived is null or ocgs.date_archived > last_day(months.month_start))) as active,
        count(*) filter (where ocgs.date_mapped <= last_day(months.month_start)
            and (ocgs.date_archived is null or ocgs.date_archived > last_day(months.month_start))
            and ocgs.morile_band = 'high') as high_band,
        avg(ocgs.morile_score) filter (where ocgs.date_mapped <= last_day(months.month_start)
            and (ocgs.date_archived is null or ocgs.date_archived > last_day(months.month_start))) as mean_score,
        count(*) filter (where strftime(ocgs.date_mapped, '%Y-%m') = months.month) as newly_mapped,
        count(*) filter (where strftime(ocgs.date_archived, '%Y-%m') = months.month) as archived
    from ocgs
    cross join months
    group by all
),

ocg_values as (
    unpivot ocg_month
    on active as 'OCG_ACTIVE', high_band as 'OCG_HIGH_BAND', mean_score as 'OCG_MEAN_MORILE',
        newly_mapped as 'OCG_NEWLY_MAPPED', archived as 'OCG_ARCHIVED'
    into name metric_id value value
),

capacity_values as (
    unpivot (
        select
            rocu_code,
            month,
            establishment_fte,
            in_post_fte,
            fixed_term_fte,
            leavers::double as leavers,
            establishment_fte - in_post_fte as vacancy_fte
        from capacity
    )
    on establishment_fte as 'CAP_ESTABLISHMENT', in_post_fte as 'CAP_IN_POST', fixed_term_fte as 'CAP_FIXED_TERM',
        leavers as 'CAP_LEAVERS', vacancy_fte as 'CAP_VACANCY_FTE'
    into name metric_id value value
),

vacancy_rate as (
    select
        rocu_code,
        month,
        null as force_code,
        'CAP_VACANCY_PCT' as metric_id,
        100.0 * (establishment_fte - in_post_fte) / nullif(establishment_fte, 0) as value,
        establishment_fte - in_post_fte as numerator,
        establishment_fte as denominator
    from capacity
),

meeting_counts as (
    select rocu_code, month, null as force_code, 'TSK_MEETINGS_HELD' as metric_id, count(*)::double as value
    from meetings
    group by all
),

gateway_values as (
    select rocu_code, month, force_code, 'TSK_GATEWAY_RECEIVED' as metric_id, received::double as value from gateway
    union all
    select rocu_code, month, force_code, 'TSK_GATEWAY_ACCEPTED', accepted from gateway
    union all
    select rocu_code, month, force_code, 'TSK_GATEWAY_DECLINED', declined from gateway
),

acceptance_rate as (
    select
        rocu_code,
        month,
        null as force_code,
        'TSK_GATEWAY_ACCEPTANCE_PCT' as metric_id,
        100.0 * sum(accepted) / nullif(sum(received), 0) as value,
        sum(accepted) as numerator,
        sum(received) as denominator
    from gateway
    group by all
),

counts as (
    select rocu_code, month, force_code, metric_id, value, null::double as numerator, null::double as denominator
    from disruption_counts
    union all
    select rocu_code, month, null, metric_id, value, null, null from ocg_values
    union all
    select rocu_code, month, null, metric_id, value, null, null from capacity_values
    union all
    select rocu_code, month, force_code, metric_id, value, null, null from meeting_counts
    union all
    select rocu_code, month, force_code, metric_id, value, null, null from gateway_values
),

final as (
    select * from counts
    union all
    select * from narrative_share
    union all
    select * from vacancy_rate
    union all
    select * from acceptance_rate
)

select * from final
