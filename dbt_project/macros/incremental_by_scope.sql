{#- Incremental models kept per scope (a unit and month): a refresh rebuilds the scopes whose inputs
    changed, not the history. Each row carries `inputs_fingerprint`, a digest of what its scope was
    made from and of the model's code, its SQL and the macros it calls (`scope_fingerprint`). A run
    first deletes the rows of every scope whose fingerprint now differs, or whose scope is gone (the
    pre-hook `delete_changed_scopes`), then builds only those still there and the new ones
    (`unbuilt_scope`, from the table of them the pre-hook wrote). A first build, or `--full-refresh`,
    builds every scope; a changed model, or a changed macro it calls, rebuilds every scope (their SQL
    is in the digest), and `on_schema_change` lets its columns change. dbt-duckdb runs the
    hook (`before_begin`) in the model's transaction, as its log shows: the delete, any column added
    and the insert commit together, so a failed build deletes nothing, its changed scopes keep their
    old digests and the next run rebuilds them, and nothing downstream or the publish runs on it. -#}

{#- The digest a model writes beside each row: its input's digest for the scope and the model's code;
    `settings`, text of anything else the rows are made from that is in neither (the dbt vars it
    reads), passed alike to `delete_changed_scopes`. `via`, in `delete_changed_scopes` only: the kept
    models (names, nearest the digest first) between the digest given and this model, each of which
    wrote its own digest over it (without settings), so that the digest a row of this model was built
    from is known from a small relation rather than from reading every row of the kept model before. -#}
{% macro scope_fingerprint(input_fingerprint, settings='', via=[]) -%}
    {%- set ns = namespace(digest=input_fingerprint) -%}
    {%- for name in via -%}
        {%- set between = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
        {%- set ns.digest = "md5(" ~ ns.digest ~ " || '" ~ code_digest(between) ~ "')" -%}
    {%- endfor -%}
    md5({{ ns.digest }} || '{{ code_digest() }}{{ settings }}')
{%- endmacro %}

{#- The model's own SQL (dbt's checksum of its file) and the SQL of this project's macros it calls
    (`depends_on.macros`: those called from the model's file, not the ones they call in turn), so an
    upgrade that changes only a macro, such as the funnel's Poisson limits, rebuilds every scope of
    the models that call it rather than keeping rows built by the old rule. Of `node` (a node of dbt's
    graph, for `via`) when given, else of the model being built. `model` and `context` are dbt's
    (sqlfluff's templater has neither). -#}
{% macro code_digest(node=none) -%}
    {%- if node is none and model is not defined -%}{{ return('') }}{%- endif -%}
    {%- set node = model if node is none else node -%}
    {%- set parts = [node.checksum.checksum] -%}
    {%- for macro_id in node.depends_on.macros | sort -%}
        {%- set name = macro_id.split('.')[-1] -%}
        {%- if macro_id.startswith('macro.' ~ project_name ~ '.') and name in context -%}
            {%- do parts.append(name ~ ':' ~ local_md5(context[name].macro.macro_sql)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}

{#- Pre-hook: delete this model's rows whose scope's digest (from `fingerprints`, the model's input
    or, with `via`, a small relation further up: a relation with the scope's columns and
    `inputs_fingerprint`) is no longer the one they were built from, and note in a temporary table
    (`scopes_to_build`) the scopes the model's SQL then builds: those with a digest on one side only
    (the model's rows or its input), each deleted and then built whole if its input still has it. The
    model's rows are read once, for their distinct scopes and digests; the delete and the build then
    join that small table, so neither reads every row of the model or of its input. Columns the model's contract names and the table
    lacks are added first: DuckDB refuses to commit a column added after a delete from the same table
    in one transaction, which is what `on_schema_change` would do after this hook. A table built
    before it was kept per scope (no digest column) is built again whole. -#}
{% macro delete_changed_scopes(fingerprints, scope, settings='', via=[]) -%}
    {%- if is_incremental() -%}
        {%- set columns = scope | join(', ') -%}
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
        create or replace temp table {{ scopes_to_build() }} as
        with current_inputs as (
            {#- the digests made once per scope, not again for each row of the model; a scope is matched by
                equality, in which a null matches nothing: one is refused rather than its rows kept stale #}
            select distinct {{ columns }},
                case when {{ scope | join(' is null or ') }} is null
                    then error('{{ this.identifier }}: an input row has no {{ scope | join(' or ') }}, '
                               || 'so it cannot be kept per scope')
                    else {{ scope_fingerprint('inputs_fingerprint', settings, via) }}
                end as inputs_fingerprint
            from {{ fingerprints }}
        )
        {%- if 'inputs_fingerprint' in existing %},

        kept as (
            select distinct {{ columns }}, inputs_fingerprint from {{ this }}
        ),

        {#- a scope with a digest on one side only: its rows (if any) are deleted, and it is built if its
            input has it, so a scope is always built whole, never added to -#}
        changed as (
            select {{ columns }} from (select * from kept except select * from current_inputs)
            union
            select {{ columns }} from (select * from current_inputs except select * from kept)
        )

        select {{ columns }}, true as deleted from changed
        union all
        select {{ columns }}, false as deleted from changed
        where ({{ columns }}) in (select {{ columns }} from current_inputs);
        delete from {{ this }}
        where ({{ columns }}) in (select {{ columns }} from {{ scopes_to_build() }} where deleted)
        {%- else %}

        select {{ columns }}, false as deleted from current_inputs;
        delete from {{ this }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- Where-clause: rows of `alias` in a scope this run builds (every row on a first build). A list of
    columns `in` a subquery, as the delete's: DuckDB plans it as a semi-join whose few keys also filter
    the scan, where `exists` read every row of the input. -#}
{% macro unbuilt_scope(alias, scope) -%}
    {%- if is_incremental() -%}
        ({% for column in scope %}{{ alias }}.{{ column }}{{ ', ' if not loop.last }}{% endfor %}) in (
            select {{ scope | join(', ') }} from {{ scopes_to_build() }} where not deleted
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The temporary table of the scopes the pre-hook deleted (`deleted`) and the ones to build: the
    model's own, on the connection that builds it. -#}
{% macro scopes_to_build() -%}
    temp.main."{{ this.identifier }}__scopes_to_build"
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
