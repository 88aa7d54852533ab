{#- Tables and views built with one `create or replace` statement, in the model's transaction.

    dbt-duckdb's own materializations build `<model>__dbt_tmp`, ask DuckDB for the old table's
    indexes, rename the old relation to `<model>__dbt_backup` and the new one into its place, commit,
    and drop the backup after the commit: nine statements a model, each with dbt's Python and
    Jinja around it. In a returns refresh (48 models) the renames, drops and index queries were about
    a fifth of dbt's threads' time, and a run stopped between the commit and the drop leaves the
    backup behind. DuckDB replaces a table or a view atomically in one statement, with the same
    result: the new relation under the model's name when the transaction commits, the old one
    untouched when it fails. dbt spends 44 ms less a table model and 34 ms less a view
    (`scripts/bench.py materialize`).

    What these keep from dbt's: enforced contracts (the columns checked and the constraints
    declared, as dbt-duckdb's `create_table_as` does), hooks inside and outside the transaction,
    grants and docs (no-ops on DuckDB), a relation of the other kind under the name dropped first.
    What they do not support, and refuse: Python models, `partitioned_by`/`sorted_by` (DuckLake
    only) and foreign keys. None is used. -#}

{% materialization table, adapter="duckdb", supported_languages=['sql'] %}
    {%- do refuse_what_replace_cannot_keep() -%}
    {{ return({'relations': [replace_in_place('table')]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {{ return({'relations': [replace_in_place('view')]}) }}
{% endmaterialization %}

{#- Build the model as a `kind` ('table' or 'view') under its name; returns the relation built. -#}
{% macro replace_in_place(kind) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set target = this.incorporate(type=kind) -%}
    {%- do run_hooks(pre_hooks, inside_transaction=False) -%}
    {%- do run_hooks(pre_hooks, inside_transaction=True) -%}
    {%- if existing is not none and existing.type != target.type -%}
        {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {% call statement('main') -%}
        {{ create_or_replace_table_as(target, sql) if kind == 'table' else create_or_replace_view_as(target, sql) }}
    {%- endcall %}
    {%- if kind == 'table' -%}{%- do create_indexes(target) -%}{%- endif -%}
    {%- do run_hooks(post_hooks, inside_transaction=True) -%}
    {%- do apply_grants(target, config.get('grants'), should_revoke=should_revoke(existing, full_refresh_mode=True)) -%}
    {%- do persist_docs(target, model) -%}
    {%- do adapter.commit() -%}
    {%- do run_hooks(post_hooks, inside_transaction=False) -%}
    {%- do return(target) -%}
{%- endmacro %}

{#- dbt-duckdb's `create_view_as`, with `or replace`. -#}
{% macro create_or_replace_view_as(relation, sql) -%}
    {%- if config.get('contract').enforced -%}{{ get_assert_columns_equivalent(sql) }}{%- endif %}
    {{ config.get('sql_header') or '' }}
    create or replace view {{ relation }} as (
        {{ sql }}
    );
{%- endmacro %}

{#- dbt-duckdb's `create_table_as` for a SQL model, with `or replace`. -#}
{% macro create_or_replace_table_as(relation, sql) -%}
    {%- set contract = config.get('contract') -%}
    {%- if contract.enforced -%}{{ get_assert_columns_equivalent(sql) }}{%- endif %}
    {{ config.get('sql_header') or '' }}
    create or replace table {{ relation }}
    {%- if contract.enforced %}
        {{ get_table_columns_and_constraints() }};
    insert into {{ relation }} {{ get_column_names() }} (
        {{ get_select_subquery(sql) }}
    );
    {%- else %} as (
        {{ sql }}
    );
    {%- endif %}
{%- endmacro %}

{#- Refused at build time, before any statement: what one `create or replace` cannot keep. A table
    another points a foreign key at cannot be replaced; such a table exists only when some model
    declares a foreign key, and that model is refused here. -#}
{% macro refuse_what_replace_cannot_keep() -%}
    {%- if model.language != 'sql' or config.get('partitioned_by') or config.get('sorted_by')
            or 'foreign_key' in enforced_constraint_types() -%}
        {%- do exceptions.raise_compiler_error(model.name ~ ": a Python model, partitioned_by, sorted_by or a "
            ~ "foreign key needs dbt-duckdb's own table materialization (see macros/replace_in_place.sql)") -%}
    {%- endif -%}
{%- endmacro %}
