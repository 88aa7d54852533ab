-- Every line of each unit's current resources return, labelled: partner-agency embeds by
-- agency, posts by contract and the funding they depend on, budget by source with the day it
-- was confirmed. The wide summary per unit and quarter is fct_unit_resources_quarterly.
with lines as (
    select * from {{ ref('int_resource_values__current') }}
),

items as (
    select * from {{ ref('resource_items') }}
),

agencies as (
    select * from {{ ref('partner_agencies') }}
),

sources as (
    select * from {{ ref('funding_sources') }}
),

final as (
    select
        lines.rocu_code,
        lines.quarter,
        lines.submission_id,
        lines.version,
        lines.section,
        lines.item,
        items.label as item_label,
        items.measure,
        lines.detail,
        coalesce(agencies.agency_name, sources.label, lines.detail) as detail_label,
        lines.funding_group,
        lines.value,
        lines.confirmed_on
    from lines
    left join items on lines.section = items.section and lines.item = items.item
    left join agencies
        on lines.item = 'partner_embeds' and lines.detail = agencies.agency_code
    left join sources
        on lines.section = 'staff_contract' and lines.detail = sources.funding_source
)

select * from final
