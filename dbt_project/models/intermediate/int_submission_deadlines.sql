-- The deadline of each month's return: the end of the Nth working day of the following
-- month (N from the submission window in force), skipping weekends and bank holidays.
with months as (
    select * from {{ ref('calendar_months') }}
),

windows as (
    select * from {{ ref('stg_config__submission_windows') }}
),

holidays as (
    select * from {{ ref('bank_holidays') }}
),

rule as (
    select
        months.month,
        months.month_start,
        max_by(windows.deadline_working_day, windows.effective_from) as deadline_working_day
    from months
    inner join windows on months.month_start >= windows.effective_from
    group by all
),

working_days as (
    select
        rule.month,
        rule.deadline_working_day,
        day::date as day,
        row_number() over (partition by rule.month order by day) as working_day
    from rule,
        generate_series(rule.month_start + interval 1 month, rule.month_start + interval 2 month - interval 1 day,
            interval 1 day) as t (day)
    where isodow(day) < 6
        and day::date not in (select holidays.holiday_date from holidays)
),

final as (
    select
        month,
        day as deadline_date,
        -- the end of the deadline day, UK local time
        (day + interval 1 day)::timestamp at time zone 'Europe/London' as deadline_at
    from working_days
    where working_day = deadline_working_day
)

select * from final
