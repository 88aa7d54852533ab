-- Capacity (establishment, in post, vacancies, fixed-term share, leavers) and tasking
-- (meetings held, days since the previous meeting, Gateway requests) per unit and month.
with capacity as (
    select * from {{ ref('stg_apmis__capacity') }}
),

meetings as (
    select
        *,
        date_diff('day', lag(meeting_date) over (partition by rocu_code order by meeting_date), meeting_date)
            as days_since_previous
    from {{ ref('stg_apmis__tasking_meetings') }}
),

meetings_monthly as (
    select
        rocu_code,
        month,
        count(*)::integer as meetings_held,
        avg(days_since_previous) as mean_days_between_meetings,
        max(days_since_previous)::integer as max_days_between_meetings
    from meetings
    group by all
),

gateway as (
    select
        rocu_code,
        month,
        sum(received)::integer as gateway_received,
        sum(accepted)::integer as gateway_accepted,
        sum(declined)::integer as gateway_declined
    from {{ ref('stg_apmis__gateway_requests') }}
    group by all
),

months as (
    select * from {{ ref('dim_month') }}
),

final as (
    select
        capacity.rocu_code,
        capacity.month,
        months.calendar_quarter,
        months.financial_year,
        capacity.establishment_fte,
        capacity.in_post_fte,
        capacity.establishment_fte - capacity.in_post_fte as vacant_fte,
        100.0 * (capacity.establishment_fte - capacity.in_post_fte) / nullif(capacity.establishment_fte, 0)
            as vacancy_rate_pct,
        capacity.fixed_term_fte,
        100.0 * capacity.fixed_term_fte / nullif(capacity.in_post_fte, 0) as fixed_term_share_pct,
        capacity.leavers,
        coalesce(meetings_monthly.meetings_held, 0) as meetings_held,
        meetings_monthly.mean_days_between_meetings,
        meetings_monthly.max_days_between_meetings,
        gateway.gateway_received,
        gateway.gateway_accepted,
        gateway.gateway_declined,
        greatest(gateway.gateway_received - gateway.gateway_accepted - gateway.gateway_declined, 0)
            as gateway_undecided,
        100.0 * gateway.gateway_accepted / nullif(gateway.gateway_received, 0) as gateway_acceptance_pct
    from capacity
    inner join months on capacity.month = months.month
    left join meetings_monthly on capacity.rocu_code = meetings_monthly.rocu_code
        and capacity.month = meetings_monthly.month
    left join gateway on capacity.rocu_code = gateway.rocu_code and capacity.month = gateway.month
)

select * from final
