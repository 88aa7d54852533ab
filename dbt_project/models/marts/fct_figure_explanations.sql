-- Why each figure holds the value it does: the explanations that travel with it, one row per unit,
-- month and framework metric. A figure from a return carries the reason its version was sent with
-- (late, or replacing a signed-off version), what the unit wrote beside its cells in that version
-- (a Comments or Notes cell, or a notes sheet) where that did not already answer a query on the
-- cell, the unit's answers to the queries on its cells in that version, and the unit's answers to
-- the NOCC's queries on the figure. A board paper prints this
-- beside each figure revised since the paper before; a figure with none says so.
with figures as (
    select rocu_code, month, metric_id, submission_id from {{ ref('fct_metric_monthly') }}
),

submissions as (
    select * from {{ ref('stg_intake__submissions') }}
),

cells as (
    select * from {{ ref('stg_intake__return_values') }}
),

unit_answers as (
    select * from {{ ref('stg_intake__query_answers') }}
),

file_comments as (
    select * from {{ ref('stg_intake__return_comments') }}
),

nocc_queries as (
    select * from {{ ref('fct_queries') }}
    where period_type = 'month' and answer is not null
),

-- each figure's cells in the version it is held from: where its answers and comments sit (joined to
-- the figures before the distinct, so that it reads the held versions' cells, not every version's)
figure_cells as (
    select distinct
        figures.rocu_code,
        figures.month,
        figures.metric_id,
        submissions.version,
        cells.submission_id,
        cells.source_sheet,
        cells.source_row,
        cells.source_column
    from figures
    inner join submissions on figures.submission_id = submissions.submission_id
    inner join cells
        on figures.submission_id = cells.submission_id and figures.metric_id = cells.metric_id
),

answered_in_version as (
    select
        figure_cells.rocu_code,
        figure_cells.month,
        figure_cells.metric_id,
        string_agg(
            'Answer to the query on version ' || figure_cells.version || ' (' || unit_answers.rule || '): "'
            || unit_answers.explanation || '".',
            ' ' order by unit_answers.answered_at, unit_answers.rule, figure_cells.source_row,
            figure_cells.source_column
        ) as query_answers
    from figure_cells
    inner join unit_answers
        on figure_cells.submission_id = unit_answers.submission_id
        and figure_cells.source_sheet is not distinct from unit_answers.source_sheet
        and figure_cells.source_row = unit_answers.source_row
        and figure_cells.source_column = unit_answers.source_column
    group by figure_cells.rocu_code, figure_cells.month, figure_cells.metric_id
),

-- a comment that answered a query on its cell is given once, as that answer
commented_in_version as (
    select
        figure_cells.rocu_code,
        figure_cells.month,
        figure_cells.metric_id,
        string_agg(
            'Comment in version ' || figure_cells.version || ': "' || file_comments.comment || '".',
            ' ' order by file_comments.source_sheet, file_comments.source_row, file_comments.source_column
        ) as file_comments
    from figure_cells
    inner join file_comments
        on figure_cells.submission_id = file_comments.submission_id
        and figure_cells.source_sheet is not distinct from file_comments.source_sheet
        and figure_cells.source_row = file_comments.source_row
        and figure_cells.source_column = file_comments.source_column
    left join unit_answers
        on file_comments.submission_id = unit_answers.submission_id
        and file_comments.source_sheet is not distinct from unit_answers.source_sheet
        and file_comments.source_row = unit_answers.source_row
        and file_comments.source_column = unit_answers.source_column
        and file_comments.comment = unit_answers.explanation
    where unit_answers.submission_id is null
    group by figure_cells.rocu_code, figure_cells.month, figure_cells.metric_id
),

answered_to_nocc as (
    select
        rocu_code,
        period as month,
        metric_id,
        string_agg(
            'Answer to the NOCC''s query of ' || strftime(raised_date, '%Y-%m-%d') || ': "' || answer || '".',
            ' ' order by raised_date, query_id
        ) as nocc_answers
    from nocc_queries
    group by rocu_code, period, metric_id
),

parts as (
    select
        figures.rocu_code,
        figures.month,
        figures.metric_id,
        figures.submission_id,
        submissions.version,
        submissions.reason,
        commented_in_version.file_comments,
        answered_in_version.query_answers,
        answered_to_nocc.nocc_answers,
        case when submissions.reason is not null
                then 'Reason given with version ' || submissions.version || ': "' || submissions.reason || '".'
        end as reason_text
    from figures
    left join submissions on figures.submission_id = submissions.submission_id
    left join answered_in_version
        on figures.rocu_code = answered_in_version.rocu_code
        and figures.month = answered_in_version.month
        and figures.metric_id = answered_in_version.metric_id
    left join commented_in_version
        on figures.rocu_code = commented_in_version.rocu_code
        and figures.month = commented_in_version.month
        and figures.metric_id = commented_in_version.metric_id
    left join answered_to_nocc
        on figures.rocu_code = answered_to_nocc.rocu_code
        and figures.month = answered_to_nocc.month
        and figures.metric_id = answered_to_nocc.metric_id
),

final as (
    select
        rocu_code,
        month,
        metric_id,
        submission_id,
        version,
        reason,
        file_comments,
        query_answers,
        nocc_answers,
        coalesce(concat_ws(' ', reason_text, file_comments, query_answers, nocc_answers), '') != ''
            as has_explanation,
        coalesce(
            nullif(concat_ws(' ', reason_text, file_comments, query_answers, nocc_answers), ''),
            'No explanation was given.'
        ) as explanation
    from parts
)

select * from final
