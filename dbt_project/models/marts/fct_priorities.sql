-- National and regional priorities per unit, threat area and financial year, and where the
-- region departs from the nation. The level of a year is the version in force on its last day
-- (a mid-year review counts from then on); versions_in_year says a year had more than one.
with periods as (
    select * from {{ ref('int_alignment_periods') }}
),

national as (
    select * from {{ ref('national_priorities') }}
),

regional as (
    select * from {{ ref('regional_priorities') }}
),

levels as (
    select * from {{ ref('priority_levels') }}
),

grid as (
    select
        rocus.rocu_code,
        areas.threat_area_code,
        areas.threat_area_name,
        areas.sort_order as threat_area_order,
        periods.financial_year,
        periods.period_start,
        periods.period_end
    from {{ ref('rocus') }} as rocus
    cross join {{ ref('threat_areas') }} as areas
    cross join periods
),

national_in_force as (
    select
        grid.financial_year,
        national.threat_area_code,
        national.priority_level,
        national.version,
        national.source
    from (select distinct financial_year, period_start, period_end from grid) as grid
    inner join national
        on grid.period_end >= national.effective_from and grid.period_end <= national.effective_to
    qualify row_number() over (
        partition by grid.financial_year, national.threat_area_code order by national.effective_from desc
    ) = 1
),

regional_in_force as (
    select
        grid.rocu_code,
        grid.threat_area_code,
        grid.financial_year,
        regional.priority_level,
        regional.version,
        regional.source,
        count(*) over (partition by grid.rocu_code, grid.threat_area_code, grid.financial_year)
            as versions_in_year,
        regional.effective_to >= grid.period_end as in_force_at_end,
        regional.effective_from
    from grid
    inner join regional
        on grid.rocu_code = regional.rocu_code
        and grid.threat_area_code = regional.threat_area_code
        and grid.period_end >= regional.effective_from
        and grid.period_start <= regional.effective_to
    qualify row_number() over (
        partition by grid.rocu_code, grid.threat_area_code, grid.financial_year
        order by in_force_at_end desc, regional.effective_from desc
    ) = 1
),

final as (
    select
        grid.rocu_code,
        grid.threat_area_code,
        grid.threat_area_name,
        grid.threat_area_order,
        grid.financial_year,
        national_in_force.priority_level as national_priority_level,
        regional_in_force.priority_level as regional_priority_level,
        coalesce(national_levels.is_priority, false) as is_national_priority,
        coalesce(regional_levels.is_priority, false) as is_regional_priority,
        coalesce(national_in_force.priority_level <> regional_in_force.priority_level, false)
            as departs_from_national,
        case
            when regional_levels.sort_order < national_levels.sort_order then 'raised'
            when regional_levels.sort_order > national_levels.sort_order then 'lowered'
        end as departure,
        national_in_force.version as national_version,
        regional_in_force.version as regional_version,
        coalesce(regional_in_force.versions_in_year, 0)::integer as regional_versions_in_year,
        national_in_force.source as national_source,
        regional_in_force.source as regional_source
    from grid
    left join national_in_force
        on grid.financial_year = national_in_force.financial_year
        and grid.threat_area_code = national_in_force.threat_area_code
    left join regional_in_force
        on grid.rocu_code = regional_in_force.rocu_code
        and grid.threat_area_code = regional_in_force.threat_area_code
        and grid.financial_year = regional_in_force.financial_year
    left join levels as national_levels on national_in_force.priority_level = national_levels.priority_level
    left join levels as regional_levels on regional_in_force.priority_level = regional_levels.priority_level
)

select * from final
