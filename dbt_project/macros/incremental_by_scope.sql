{#- Incremental models kept per scope (a unit and month): a refresh rebuilds the scopes whose inputs
    changed, not the history. Each row carries `inputs_fingerprint`, a digest of what its scope was
    made from and of the model's own SQL (`scope_fingerprint`). A run first deletes the rows of every
    scope whose fingerprint now differs, or whose scope is gone (the pre-hook
    `delete_changed_scopes`), then builds only the scopes that have no rows left (`unbuilt_scope`).
    A first build, or `--full-refresh`, builds every scope; a changed model rebuilds every scope
    (its SQL is in the digest), and `on_schema_change` lets its columns change. The hook runs before
    the model's transaction (`before_begin`: DuckDB refuses to commit a delete and a column added to
    the same table in one): if the build then fails, the deleted scopes are unbuilt, so the next run
    builds them, and nothing downstream or the publish runs on the failed build. -#}

{#- The digest a model writes beside each row: its input's digest for the scope and the model's own SQL. -#}
{% macro scope_fingerprint(input_fingerprint) -%}
    {#- `model` is dbt's node being built (sqlfluff's templater has none) -#}
    md5({{ input_fingerprint }} || '{{ model.checksum.checksum if model is defined }}')
{%- endmacro %}

{#- Pre-hook: delete this model's rows whose scope's digest (from `fingerprints`, the model's input:
    a relation with the scope's columns and `inputs_fingerprint`) is no longer the one they were
    built from. -#}
{% macro delete_changed_scopes(fingerprints, scope) -%}
    {%- if is_incremental() and 'inputs_fingerprint' not in adapter.get_columns_in_relation(this)
            | map(attribute='name') | list -%}
        {#- a table built before it was kept per scope: every scope again, in the column it lacked -#}
        alter table {{ this }} add column inputs_fingerprint varchar;
        delete from {{ this }}
    {%- elif is_incremental() -%}
        delete from {{ this }} as kept
        where not exists (
            select 1
            from (select distinct {{ scope | join(', ') }}, inputs_fingerprint from {{ fingerprints }}) as current_inputs
            where {{ scope_fingerprint('current_inputs.inputs_fingerprint') }} = kept.inputs_fingerprint
            {%- for column in scope %}
                and current_inputs.{{ column }} = kept.{{ column }}
            {%- endfor %}
        )
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
