-- The label map as it now stands (seed overlaid by the configuration store), typed as the seed is.
with source as (
    select * from {{ source('raw', 'config_label_map') }}
),

typed as (
    select
        rocu_code,
        local_label,
        metric_id,
        cast(multiplier as double) as multiplier,
        local_unit,
        note,
        change_seq,
        changed_by,
        cast(changed_at as timestamptz) as changed_at
    from source
)

select * from typed
