-- Local labels in accepted returns that map to no framework metric, one row per unit, board
-- quarter (both schemes, see dim_quarter) and label; labels differing only in case are one label.
with labels as (
    select u.*
    from {{ ref('stg_intake__unmapped_labels') }} as u
    inner join {{ ref('stg_intake__submissions') }} as s
        on
            u.submission_id = s.submission_id
            and s.state in ('accepted', 'accepted_with_queries_or_information')
),

bridge as (
    select * from {{ ref('int_month_quarters') }}
),

final as (
    select
        labels.rocu_code,
        bridge.quarter,
        bridge.quarter_scheme,
        min(labels.local_label) as local_label,
        count(distinct labels.month) as months_seen,
        string_agg(distinct labels.month, ', ' order by labels.month) as months,
        min(coalesce(labels.source_sheet || '!', '') || labels.source_column || labels.source_row::varchar)
            as first_cell
    from labels
    inner join bridge on labels.month = bridge.month
    group by labels.rocu_code, bridge.quarter, bridge.quarter_scheme, lower(labels.local_label)
)

select * from final
