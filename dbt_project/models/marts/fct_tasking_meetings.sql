-- Each regional tasking meeting with its attendance and the operations discussed, in the
-- financial year it fell in: the drill-through behind fct_tasking_rhythm.
with meetings as (
    select * from {{ ref('stg_apmis__tasking_meetings') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

final as (
    select
        meetings.rocu_code,
        months.financial_year,
        meetings.month,
        meetings.meeting_date,
        meetings.meeting_type,
        date_diff(
            'day',
            lag(meetings.meeting_date) over (partition by meetings.rocu_code order by meetings.meeting_date),
            meetings.meeting_date
        ) as days_since_previous,
        meetings.forces_represented,
        meetings.forces_represented_count,
        meetings.partners_represented,
        meetings.partners_represented_count,
        meetings.national_tasking_attended,
        meetings.operations_discussed
    from meetings
    inner join months on meetings.month = months.month
)

select * from final
