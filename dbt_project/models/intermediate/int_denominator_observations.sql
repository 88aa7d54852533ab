-- Every figure a rate can be based on, in one long list: which base, who holds it (a force,
-- or a unit for bases a unit reports itself), the date it is as at, its status and source.
-- A new base, or a new source for one, is one more branch here plus a row in
-- denominator_bases; int_unit_bases_monthly, which chooses the base of each month, does not change.
-- Bases from the quarterly resources return (seeds/resources/resource_bases.csv: staff in post,
-- budget) are held by the unit, as at the quarter's last day, from its current (highest accepted)
-- version, so a correction replaces the figure rather than adding a second one.
with population as (
    select * from {{ ref('population') }}
),

officers as (
    select * from {{ ref('police_officers') }}
),

resource_lines as (
    select * from {{ ref('int_resource_values__current') }}
),

resource_bases as (
    select * from {{ ref('resource_bases') }}
),

quarter_ends as (
    select quarter, last_day(max(month_start)) as quarter_end
    from {{ ref('int_month_quarters') }}
    where quarter_scheme = 'financial'
    group by quarter
),

from_resources as (
    select
        resource_bases.base_code,
        resource_lines.rocu_code as holder_code,
        quarter_ends.quarter_end as as_at,
        {{ exact_sum('resource_lines.value') }} as base_value,
        any_value(resource_bases.status) as status,
        any_value(resource_bases.source) as source
    from resource_lines
    inner join resource_bases on resource_lines.section = resource_bases.section
    inner join quarter_ends on resource_lines.quarter = quarter_ends.quarter
    group by resource_bases.base_code, resource_lines.rocu_code, quarter_ends.quarter_end
),

final as (
    select
        'population' as base_code,
        force_code as holder_code,
        as_at,
        population::double as base_value,
        status,
        source
    from population

    union all

    select
        'officers' as base_code,
        force_code as holder_code,
        as_at,
        officer_fte as base_value,
        status,
        source
    from officers

    union all

    select
        base_code,
        holder_code,
        as_at,
        base_value,
        status,
        source
    from from_resources
)

select * from final
