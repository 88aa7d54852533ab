-- Population and police officers behind every rate, per unit and month. Published
-- figures lag: each month uses the latest year (population) or date (officers) at or
-- before it, and the latest available when the month is newer than all of them.
with membership as (
    select * from {{ ref('int_force_membership_monthly') }}
),

months as (
    select * from {{ ref('calendar_months') }}
),

population as (
    select * from {{ ref('population') }}
),

officers as (
    select * from {{ ref('police_officers') }}
),

force_population as (
    select
        membership.month,
        membership.rocu_code,
        membership.force_code,
        population.year as population_year,
        population.population,
        population.is_approximate,
        row_number() over (
            partition by membership.month, membership.force_code
            order by (population.year <= months.calendar_year) desc, population.year desc
        ) as pick
    from membership
    inner join months on membership.month = months.month
    inner join population on membership.force_code = population.force_code
),

force_officers as (
    select
        membership.month,
        membership.force_code,
        officers.as_at as officers_as_at,
        officers.officer_fte,
        row_number() over (
            partition by membership.month, membership.force_code
            order by (officers.as_at <= last_day(months.month_start)) desc, officers.as_at desc
        ) as pick
    from membership
    inner join months on membership.month = months.month
    inner join officers on membership.force_code = officers.force_code
),

final as (
    select
        force_population.month,
        force_population.rocu_code,
        sum(force_population.population)::bigint as population,
        max(force_population.population_year) as population_year,
        bool_or(force_population.is_approximate) as population_is_approximate,
        sum(force_officers.officer_fte) as officer_fte,
        max(force_officers.officers_as_at) as officers_as_at,
        count(*) as force_count
    from force_population
    inner join force_officers
        on force_population.month = force_officers.month
        and force_population.force_code = force_officers.force_code
        and force_officers.pick = 1
    where force_population.pick = 1
    group by all
)

select * from final
