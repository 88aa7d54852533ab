-- The latest answer to each answered query on a monthly return's version, with the cell the query is about.
with source as (
    select * from {{ source('raw', 'query_answers') }}
)

select
    submission_id,
    rule,
    sheet as source_sheet,
    "row" as source_row,
    "column" as source_column,
    explanation,
    source as answer_source,
    answered_by,
    try_cast(answered_at as timestamptz) as answered_at
from source
