-- The NOCC's queries as a data-quality measure: per unit and per month or financial-year quarter
-- in which they were raised, how many were raised, are still open, wait for an answer, were
-- answered (late or not), are overdue and were closed (fct_queries' states as of the last load).
with queries as (
    select * from {{ ref('fct_queries') }}
),

by_period as (
    select rocu_code, 'month' as period_type, raised_month as period, state, is_overdue, was_answered_late,
        first_answered_date
    from queries
    union all
    select rocu_code, 'quarter', raised_quarter, state, is_overdue, was_answered_late, first_answered_date
    from queries
),

final as (
    select
        rocu_code,
        period_type,
        period,
        count(*) as queries_raised,
        count(*) filter (where state <> 'closed') as open_queries,
        count(*) filter (where state = 'raised') as awaiting_answer,
        count(*) filter (where first_answered_date is not null) as answered,
        count(*) filter (where was_answered_late) as answered_late,
        count(*) filter (where is_overdue) as overdue,
        count(*) filter (where state = 'closed') as closed
    from by_period
    group by rocu_code, period_type, period
)

select * from final
