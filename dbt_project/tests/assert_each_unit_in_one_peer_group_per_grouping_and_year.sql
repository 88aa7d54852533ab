-- Every unit sits in exactly one group of every grouping (All units included) in every financial
-- year: its group or NOT_GROUPED, never two and never none. Returns the unit, year and grouping
-- that break it, with how many rows it has.
with years as (
    select distinct financial_year from {{ ref('dim_month') }}
),

expected as (
    select rocus.rocu_code, years.financial_year, groupings.grouping_code
    from {{ ref('rocus') }} as rocus
    cross join years
    cross join {{ ref('peer_groupings') }} as groupings
),

actual as (
    select rocu_code, financial_year, grouping_code, count(*) as groups
    from {{ ref('dim_unit_peer_group') }}
    group by rocu_code, financial_year, grouping_code
)

select expected.*, coalesce(actual.groups, 0) as groups
from expected
left join actual
    on expected.rocu_code = actual.rocu_code
    and expected.financial_year = actual.financial_year
    and expected.grouping_code = actual.grouping_code
where coalesce(actual.groups, 0) <> 1
union all
-- All units is always available: every unit is grouped in it
select rocu_code, financial_year, grouping_code, 1 as groups
from {{ ref('dim_unit_peer_group') }}
where grouping_code = 'ALL' and not is_grouped
