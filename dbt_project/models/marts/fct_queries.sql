-- One row per query the NOCC raised on a published figure, in its current state (the latest
-- event of its history), with its latest answer and its closing. A query waits for the unit from
-- the day after it was raised to its first answer (or its closing, if closed unanswered), or to the
-- day the registry was loaded while it still waits; it is overdue once it has waited more working
-- days (weekends and bank holidays skipped) than the rule in force on the day it was raised allows
-- (seed nocc_query_rules). pipelines/intake/nocc_queries.py applies the same rule to the live queue.
with queries as (
    select * from {{ ref('stg_intake__nocc_queries') }}
),

events as (
    select * from {{ ref('stg_intake__nocc_query_events') }}
),

rules as (
    select * from {{ ref('nocc_query_rules') }}
),

holidays as (
    select * from {{ ref('bank_holidays') }}
),

history as (
    select
        query_id,
        max_by(state, event_id) as state,
        max_by(event_text, event_id) filter (where state = 'answered') as answer,
        max_by(actor, event_id) filter (where state = 'answered') as answered_by,
        max_by(event_at, event_id) filter (where state = 'answered') as answered_at,
        min(event_date) filter (where state = 'answered') as first_answered_date,
        max_by(actor, event_id) filter (where state = 'closed') as closed_by,
        max_by(event_at, event_id) filter (where state = 'closed') as closed_at,
        max_by(event_date, event_id) filter (where state = 'closed') as closed_date,
        max_by(event_text, event_id) filter (where state = 'closed') as close_note
    from events
    group by query_id
),

rule_in_force as (
    select
        queries.query_id,
        coalesce(
            max_by(rules.working_days_to_answer, rules.effective_from),
            (select min_by(first_rule.working_days_to_answer, first_rule.effective_from) from rules as first_rule)
        ) as working_days_to_answer
    from queries
    left join rules on queries.raised_date >= rules.effective_from
    group by queries.query_id
),

clocked as (
    select
        queries.*,
        coalesce(history.state, 'raised') as state,
        history.answer,
        history.answered_by,
        history.answered_at,
        history.first_answered_date,
        history.closed_by,
        history.closed_at,
        history.closed_date,
        history.close_note,
        rule_in_force.working_days_to_answer,
        coalesce(history.first_answered_date, history.closed_date, queries.loaded_on) as waited_until
    from queries
    left join history on queries.query_id = history.query_id
    inner join rule_in_force on queries.query_id = rule_in_force.query_id
),

bounds as (
    select
        min(raised_date) as first_day,
        max(waited_until) as last_day
    from clocked
),

working_days as (
    select t.day::date as day
    from bounds, generate_series(bounds.first_day::timestamp, bounds.last_day::timestamp, interval 1 day) as t (day)
    where isodow(t.day) < 6
        and t.day::date not in (select holidays.holiday_date from holidays)
),

waited as (
    select
        clocked.query_id,
        count(working_days.day) as working_days_open
    from clocked
    left join working_days
        on clocked.raised_date < working_days.day
        and clocked.waited_until >= working_days.day
    group by clocked.query_id
),

final as (
    select
        clocked.query_id,
        clocked.rocu_code,
        clocked.metric_id,
        clocked.period_type,
        clocked.period,
        clocked.value_seen,
        clocked.question,
        clocked.origin,
        clocked.state,
        clocked.raised_by,
        clocked.raised_at,
        clocked.raised_date,
        strftime(clocked.raised_date, '%Y-%m') as raised_month,
        (year(clocked.raised_date) - case when month(clocked.raised_date) < 4 then 1 else 0 end)::varchar
        || '-Q' || ((month(clocked.raised_date) + 8) % 12 // 3 + 1)::varchar as raised_quarter,
        clocked.answer,
        clocked.answered_by,
        clocked.answered_at,
        clocked.first_answered_date,
        clocked.closed_by,
        clocked.closed_at,
        clocked.closed_date,
        clocked.close_note,
        clocked.working_days_to_answer,
        waited.working_days_open,
        clocked.state = 'raised' and waited.working_days_open > clocked.working_days_to_answer as is_overdue,
        clocked.first_answered_date is not null
        and waited.working_days_open > clocked.working_days_to_answer as was_answered_late,
        clocked.loaded_on as as_of_date
    from clocked
    inner join waited on clocked.query_id = waited.query_id
)

select * from final
