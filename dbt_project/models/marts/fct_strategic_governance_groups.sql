-- Each unit's strategic governance groups by threat area, with cadence, chair and the partner agencies
-- that attend (named, and counted), with effective dates. An empty effective_to: still in force.
with groups as (
    select * from {{ ref('strategic_governance_groups') }}
),

partners as (
    select
        groups.rocu_code,
        groups.threat_area_code,
        groups.effective_from,
        count(agencies.agency_code) as partners_attending,
        string_agg(agencies.agency_name, '; ' order by agencies.agency_name) as partner_names
    from groups
    cross join unnest(string_split(coalesce(groups.partners_attending, ''), ';')) as listed (agency_code)
    left join {{ ref('partner_agencies') }} as agencies on trim(listed.agency_code) = agencies.agency_code
    group by groups.rocu_code, groups.threat_area_code, groups.effective_from
),

final as (
    select
        groups.rocu_code,
        groups.threat_area_code,
        areas.threat_area_name,
        areas.sort_order as threat_area_order,
        groups.group_name,
        groups.chair_post,
        groups.cadence_weeks,
        coalesce(partners.partners_attending, 0) as partners_attending,
        partners.partner_names,
        groups.effective_from,
        groups.effective_to
    from groups
    inner join {{ ref('threat_areas') }} as areas on groups.threat_area_code = areas.threat_area_code
    left join partners
        on groups.rocu_code = partners.rocu_code
        and groups.threat_area_code = partners.threat_area_code
        and groups.effective_from = partners.effective_from
)

select * from final
