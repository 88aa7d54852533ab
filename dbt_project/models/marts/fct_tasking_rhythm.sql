-- Regional tasking rhythm per unit and financial year beside the national cycle
-- (seeds/priorities/tasking_cycle.csv): meetings held, the meetings the national cycle holds in
-- the same days, the mean days between meetings, and attendance. Neither more nor fewer
-- meetings is better in itself: rhythm_against_national says only whether the rhythm is in step.
with meetings as (
    select * from {{ ref('fct_tasking_meetings') }}
),

periods as (
    select * from {{ ref('int_alignment_periods') }}
),

cycle as (
    select cycle_days from {{ ref('tasking_cycle') }} where cycle = 'national'
),

units as (
    select rocu_code from {{ ref('rocus') }}
),

by_unit as (
    select
        meetings.rocu_code,
        meetings.financial_year,
        count(*)::integer as meetings_held,
        avg(meetings.days_since_previous) as mean_days_between_meetings,
        max(meetings.days_since_previous)::integer as max_days_between_meetings,
        avg(meetings.national_tasking_attended::integer) * 100.0 as national_tasking_attended_pct,
        avg(meetings.forces_represented_count) as mean_forces_represented,
        avg(meetings.partners_represented_count) as mean_partners_represented
    from meetings
    inner join periods on meetings.financial_year = periods.financial_year
        and meetings.month between periods.first_month and periods.last_month
    group by all
),

final as (
    select
        units.rocu_code,
        periods.financial_year,
        periods.months_in_period,
        coalesce(by_unit.meetings_held, 0) as meetings_held,
        cycle.cycle_days as national_cycle_days,
        round(date_diff('day', periods.period_start, periods.period_end + 1) / cycle.cycle_days, 1)
            as national_cycle_meetings,
        by_unit.mean_days_between_meetings,
        by_unit.max_days_between_meetings,
        case
            when by_unit.mean_days_between_meetings is null then null
            when by_unit.mean_days_between_meetings < 0.8 * cycle.cycle_days then 'more often than the national cycle'
            when by_unit.mean_days_between_meetings > 1.2 * cycle.cycle_days then 'less often than the national cycle'
            else 'in step with the national cycle'
        end as rhythm_against_national,
        by_unit.national_tasking_attended_pct,
        by_unit.mean_forces_represented,
        by_unit.mean_partners_represented
    from units
    cross join periods
    cross join cycle
    left join by_unit on units.rocu_code = by_unit.rocu_code and periods.financial_year = by_unit.financial_year
)

select * from final
