-- The inspection tracker's statuses as they now stand (seed overlaid by the configuration store):
-- one row per recommendation and unit (or NETWORK), typed as the seed is.
with source as (
    select * from {{ source('raw', 'config_recommendation_status') }}
),

typed as (
    select
        item_ref,
        rocu_code,
        status,
        evidence,
        evidence_link,
        updated_by,
        cast(as_at as date) as as_at,
        change_seq,
        changed_by,
        cast(changed_at as timestamptz) as changed_at
    from source
)

select * from typed
