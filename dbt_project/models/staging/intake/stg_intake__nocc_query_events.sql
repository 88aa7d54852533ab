-- The history of each NOCC query: one row per state it entered (raised, answered, closed).
with source as (
    select * from {{ source('raw', 'nocc_query_events') }}
),

renamed as (
    select
        event_id,
        query_id,
        state,
        actor,
        cast("at" as timestamptz) as event_at,
        cast(left("at", 10) as date) as event_date,
        "text" as event_text
    from source
)

select * from renamed
