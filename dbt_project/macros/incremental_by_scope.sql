{#- Incremental models kept per scope (a unit and month): a refresh rebuilds the scopes whose inputs
    changed, not the history. Each row carries `inputs_fingerprint`, a digest of what its scope was
    made from and of the model's code, its SQL and the macros it calls (`scope_fingerprint`). A run
    first deletes the rows of every scope whose fingerprint now differs, or whose scope is gone (the
    pre-hook `delete_changed_scopes`), then builds only the scopes that have no rows left
    (`unbuilt_scope`). A first build, or `--full-refresh`, builds every scope; a changed model, or a
    changed macro it calls, rebuilds every scope (their SQL is in the digest), and `on_schema_change`
    lets its columns change. dbt-duckdb runs the
    hook (`before_begin`) in the model's transaction, as its log shows: the delete, any column added
    and the insert commit together, so a failed build deletes nothing, its changed scopes keep their
    old digests and the next run rebuilds them, and nothing downstream or the publish runs on it. -#}

{#- The digest a model writes beside each row: its input's digest for the scope and the model's code;
    `settings`, text of anything else the rows are made from that is in neither (the dbt vars it
    reads), passed alike to `delete_changed_scopes`. -#}
{% macro scope_fingerprint(input_fingerprint, settings='') -%}
    md5({{ input_fingerprint }} || '{{ code_digest() }}{{ settings }}')
{%- endmacro %}

{#- The model's own SQL (dbt's checksum of its file) and the SQL of this project's macros it calls
    (`depends_on.macros`: those called from the model's file, not the ones they call in turn), so an
    upgrade that changes only a macro, such as the funnel's Poisson limits, rebuilds every scope of
    the models that call it rather than keeping rows built by the old rule. `model` and `context` are
    dbt's (sqlfluff's templater has neither). -#}
{% macro code_digest() -%}
    {%- if model is not defined -%}{{ return('') }}{%- endif -%}
    {%- set parts = [model.checksum.checksum] -%}
    {%- for macro_id in model.depends_on.macros | sort -%}
        {%- set name = macro_id.split('.')[-1] -%}
        {%- if macro_id.startswith('macro.' ~ project_name ~ '.') and name in context -%}
            {%- do parts.append(name ~ ':' ~ local_md5(context[name].macro.macro_sql)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}

{#- Pre-hook: delete this model's rows whose scope's digest (from `fingerprints`, the model's input:
    a relation with the scope's columns and `inputs_fingerprint`) is no longer the one they were
    built from. Columns the model's contract names and the table lacks are added first: DuckDB
    refuses to commit a column added after a delete from the same table in one transaction, which
    is what `on_schema_change` would do after this hook. A table built before it was kept per scope
    (no digest column) is built again whole. -#}
{% macro delete_changed_scopes(fingerprints, scope, settings='') -%}
    {%- if is_incremental() -%}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set missing = {} -%}
        {%- for column in model.columns.values() if column.data_type and column.name not in existing -%}
            {%- do missing.update({column.name: column.data_type}) -%}
        {%- endfor -%}
        {%- if 'inputs_fingerprint' not in existing -%}
            {%- do missing.update({'inputs_fingerprint': 'varchar'}) -%}
        {%- endif -%}
        {%- for name, data_type in missing.items() %}
        alter table {{ this }} add column {{ adapter.quote(name) }} {{ data_type }};
        {%- endfor %}
        delete from {{ this }} as kept
        {%- if 'inputs_fingerprint' in existing %}
        where not exists (
            select 1
            from (select distinct {{ scope | join(', ') }}, inputs_fingerprint from {{ fingerprints }}) as current_inputs
            where {{ scope_fingerprint('current_inputs.inputs_fingerprint', settings) }} = kept.inputs_fingerprint
            {%- for column in scope %}
                and current_inputs.{{ column }} = kept.{{ column }}
            {%- endfor %}
        )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- Where-clause: rows of `alias` whose scope this model has no rows for (every row on a first build). -#}
{% macro unbuilt_scope(alias, scope) -%}
    {%- if is_incremental() -%}
        not exists (
            select 1
            from (select distinct {{ scope | join(', ') }} from {{ this }}) as built
            where
            {%- for column in scope %}
                {{ 'and ' if not loop.first }}built.{{ column }} = {{ alias }}.{{ column }}
            {%- endfor %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The data tests of a kept model read only the rows this run built: `where: __built_in_this_run__`
    in a test's config, and the model writes `'{{ invocation_id }}' as built_in_run` beside each row.
    A scope's rows are all rebuilt together (the pre-hook deleted them), so a rule that holds within
    each rebuilt scope holds for the table: keys include the scope. So a refresh's tests cost the
    change, not the history. When the tested model was not built in this invocation (`dbt test`, or a
    test selected without its model) the test reads every row: that is how a new or changed rule on a
    kept model is checked against the rows already there. Otherwise dbt's own `where`. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__built_in_this_run__' in where -%}
        {%- set built_here = flags.WHICH in ('build', 'run') and model.attached_node in selected_resources -%}
        {%- set where = where | replace('__built_in_this_run__',
            "built_in_run = '" ~ invocation_id ~ "'" if built_here else 'true') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
