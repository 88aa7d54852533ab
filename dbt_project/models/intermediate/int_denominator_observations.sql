-- Every figure a rate can be based on, in one long list: which base, who holds it (a force,
-- or a unit for bases a unit reports itself), the date it is as at, its status and source.
-- A new base, or a new source for one, is one more branch here plus a row in
-- denominator_bases; int_unit_bases_monthly, which chooses the base of each month, does not change.
with population as (
    select * from {{ ref('population') }}
),

officers as (
    select * from {{ ref('police_officers') }}
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
)

select * from final
