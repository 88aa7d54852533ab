-- Population and police officers behind every rate, per unit and month, side by side for the
-- marts: a pivot of int_unit_bases_monthly, where the rule choosing each month's base lives.
-- Each base comes with its as-at date, status and label.
with unit_bases as (
    select * from {{ ref('int_unit_bases_monthly') }}
),

population as (
    select * from unit_bases where base_code = 'population'
),

officers as (
    select * from unit_bases where base_code = 'officers'
),

final as (
    select
        population.month,
        population.rocu_code,
        population.base_value::bigint as population,
        year(population.as_at)::integer as population_year,
        population.as_at as population_as_at,
        population.status as population_status,
        population.status = 'approximate' as population_is_approximate,
        population.base_year_label as population_base_year_label,
        population.rate_base_label as population_base_label,
        officers.base_value as officer_fte,
        officers.as_at as officers_as_at,
        officers.status as officers_status,
        officers.base_year_label as officers_base_year_label,
        officers.rate_base_label as officers_base_label,
        population.holder_count as force_count
    from population
    inner join officers on population.month = officers.month and population.rocu_code = officers.rocu_code
)

select * from final
