-- The lines of each unit's current resources return per quarter: the accepted version with the
-- highest number (the registry supersedes the others), with each line's funding group (the
-- budget line's own source, or the source a post depends on) from seeds/resources.
with submissions as (
    select * from {{ ref('stg_intake__resource_submissions') }}
    where state in ('accepted', 'accepted_with_queries_or_information')
),

current_versions as (
    select rocu_code, quarter, max_by(submission_id, version) as submission_id, max(version) as version
    from submissions
    group by all
),

lines as (
    select * from {{ ref('stg_intake__resource_values') }}
),

funding as (
    select * from {{ ref('funding_sources') }}
),

final as (
    select
        current_versions.rocu_code,
        current_versions.quarter,
        current_versions.submission_id,
        current_versions.version,
        lines.section,
        lines.item,
        lines.detail,
        lines.value,
        lines.confirmed_on,
        funding.funding_group
    from current_versions
    inner join lines on current_versions.submission_id = lines.submission_id
    left join funding
        on funding.funding_source = case
            when lines.section = 'budget' then lines.item
            when lines.section = 'staff_contract' then lines.detail
        end
)

select * from final
