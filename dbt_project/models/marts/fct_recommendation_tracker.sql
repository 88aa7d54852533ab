-- The inspection tracker: each recommendation and area for improvement with each unit's status and
-- the network's. For an item tracked per unit, every unit has a row (one that has recorded nothing is
-- not_started) and the network's status is derived from the units' that apply (not_applicable left out):
--   none apply -> not_applicable; every one that applies met -> met; none started -> not_started;
--   otherwise in_progress.
-- For an item tracked for the network, the network's recorded row is its status (not_started if none).
-- A row recorded for the wrong scope (a unit's row of a network item, a network row of a unit item) is
-- not shown: the form refuses both (pipelines/governance.py).
with items as (
    select * from {{ ref('recommendations') }}
),

recorded as (
    select *, upper(trim(rocu_code)) as scope_code from {{ ref('stg_config__recommendation_status') }}
),

statuses as (
    select * from {{ ref('recommendation_statuses') }}
),

-- who an item is tracked for: each unit, or the network as a whole
scopes as (
    select
        'unit' as tracked_for,
        rocu_code,
        rocu_name,
        false as is_network_row
    from {{ ref('rocus') }}
    union all
    select
        'network' as tracked_for,
        'NETWORK' as rocu_code,
        'The network' as rocu_name,
        true as is_network_row
),

recorded_rows as (
    select
        items.item_ref,
        scopes.rocu_code,
        scopes.rocu_name,
        scopes.is_network_row,
        coalesce(recorded.status, 'not_started') as status,
        recorded.item_ref is not null as is_recorded,
        false as is_derived,
        cast(null as bigint) as units_applicable,
        cast(null as bigint) as units_met,
        cast(null as bigint) as units_in_progress,
        recorded.evidence,
        recorded.evidence_link,
        recorded.updated_by,
        recorded.as_at,
        recorded.change_seq,
        recorded.changed_by,
        recorded.changed_at
    from items
    inner join scopes on items.tracked_for = scopes.tracked_for
    left join recorded on items.item_ref = recorded.item_ref and scopes.rocu_code = recorded.scope_code
),

derived as (
    select
        item_ref,
        count(*) filter (where status <> 'not_applicable') as units_applicable,
        count(*) filter (where status = 'met') as units_met,
        count(*) filter (where status = 'in_progress') as units_in_progress,
        max(as_at) as as_at
    from recorded_rows
    where not is_network_row
    group by item_ref
),

network_derived as (
    select
        item_ref,
        'NETWORK' as rocu_code,
        'The network' as rocu_name,
        true as is_network_row,
        case
            when units_applicable = 0 then 'not_applicable'
            when units_met = units_applicable then 'met'
            when units_met + units_in_progress = 0 then 'not_started'
            else 'in_progress'
        end as status,
        false as is_recorded,
        true as is_derived,
        units_applicable,
        units_met,
        units_in_progress,
        units_met || ' of ' || units_applicable || ' units met, ' || units_in_progress || ' in progress'
            as evidence,
        cast(null as varchar) as evidence_link,
        cast(null as varchar) as updated_by,
        as_at,
        cast(null as bigint) as change_seq,
        cast(null as varchar) as changed_by,
        cast(null as timestamptz) as changed_at
    from derived
),

tracker as (
    select * from recorded_rows
    union all by name
    select * from network_derived
),

final as (
    select
        tracker.item_ref,
        items.item_kind,
        items.sort_order as item_order,
        items.short_title,
        items.wording,
        items.tracked_for,
        tracker.rocu_code,
        tracker.rocu_name,
        tracker.is_network_row,
        tracker.status,
        statuses.status_name,
        statuses.sort_order as status_order,
        tracker.is_recorded,
        tracker.is_derived,
        tracker.units_applicable,
        tracker.units_met,
        tracker.units_in_progress,
        tracker.evidence,
        tracker.evidence_link,
        tracker.updated_by,
        tracker.as_at,
        tracker.change_seq,
        tracker.changed_by,
        tracker.changed_at
    from tracker
    inner join items on tracker.item_ref = items.item_ref
    left join statuses on tracker.status = statuses.status
)

select * from final
