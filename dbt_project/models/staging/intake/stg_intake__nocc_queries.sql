-- Each NOCC query as raised. Dates are the UTC day of the registry's timestamps; loaded_on is the
-- day the registry was read, the day fct_queries counts waiting queries to.
with source as (
    select * from {{ source('raw', 'nocc_queries') }}
),

renamed as (
    select
        query_id,
        rocu_code,
        metric_id,
        period_type,
        period,
        value_seen,
        question,
        origin,
        raised_by,
        cast(raised_at as timestamptz) as raised_at,
        cast(left(raised_at, 10) as date) as raised_date,
        cast(timezone('UTC', loaded_at) as date) as loaded_on
    from source
)

select * from renamed
