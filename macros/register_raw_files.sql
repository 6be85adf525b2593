{#- On Spark, register the Parquet files that scripts/load_raw.py wrote under
    $SPARK_WAREHOUSE/raw_files/<raw schema>/ as the raw tables, before the
    models run. Each run drops and creates the tables again, so they always
    point at the last load. Other engines get their raw tables from the
    loader directly, and this hook does nothing there. -#}
{% macro register_raw_files() %}
    {%- if target.type != 'spark' or not execute or flags.WHICH not in ['build', 'run', 'seed', 'test'] -%}
        {{ return('select 1 as raw_files_not_registered') }}
    {%- endif -%}
    {%- set schema = var('raw_schema') -%}
    {%- set folder = env_var('SPARK_WAREHOUSE', '/tmp/revenue-warehouse-spark') ~ '/raw_files/' ~ schema -%}
    {%- set tables = [] -%}
    {%- for source_node in graph.sources.values() if source_node.source_name == 'billing' -%}
        {%- do tables.append(source_node.name) -%}
    {%- endfor -%}
    {%- do tables.extend(['_load_rejects', '_load_manifest']) -%}
    {%- do run_query('create database if not exists `' ~ schema ~ '`') -%}
    {%- for table in tables -%}
        {%- do run_query('drop table if exists `' ~ schema ~ '`.`' ~ table ~ '`') -%}
        {%- do run_query('create table `' ~ schema ~ '`.`' ~ table ~ '` using parquet location \''
            ~ folder ~ '/' ~ table ~ '\'') -%}
    {%- endfor -%}
    {%- do log("Registered " ~ tables | length ~ " raw tables from " ~ folder, info=true) -%}
    {{ return('select 1 as raw_files_registered') }}
{% endmacro %}
