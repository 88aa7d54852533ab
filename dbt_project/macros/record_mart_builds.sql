{#- on-run-end: note which marts this invocation built (meta.mart_builds, one row per mart, in the
    warehouse only). The publish (pipelines/serving/publish.py) compares this with what the
    published copy was made from, so it reads and writes only the marts built since, not the whole
    history. A mart with no note (a warehouse from before this) is compared by its content, as
    before; a mart changed outside dbt is not seen until a dbt run builds it again. -#}
{% macro record_mart_builds(results) %}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'model' and result.node.schema == 'marts'
                and result.status == 'success' -%}
            {%- do built.append(result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if built -%}
        create schema if not exists meta;
        create table if not exists meta.mart_builds (
            mart varchar primary key, invocation_id varchar not null, built_at timestamptz not null
        );
        insert or replace into meta.mart_builds values
        {%- for name in built %}
            ('{{ name }}', '{{ invocation_id }}', now()){{ ',' if not loop.last }}
        {%- endfor %};
    {%- endif -%}
{% endmacro %}
