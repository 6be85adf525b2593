{#- With the `raw_data_path` variable set, load that folder of contract files
    (CSV or Parquet, one per table) into the raw schema before the models run,
    so that a plain `dbt build --vars '{raw_data_path: my_export}'` works on
    DuckDB. Every column is loaded as text, like scripts/load_raw.py does;
    that script also reports malformed lines and encodings in more detail. -#}
{% macro load_raw_folder() %}
    {%- set folder = var('raw_data_path', none) -%}
    {%- if not folder or not execute or flags.WHICH not in ['build', 'run', 'seed', 'test'] -%}
        {{ return('select 1 as raw_folder_not_loaded') }}
    {%- endif -%}
    {%- if target.type != 'duckdb' -%}
        {{ exceptions.raise_compiler_error(
            "raw_data_path loads files on DuckDB only. On " ~ target.type
            ~ ", load the folder with: python -m scripts.load_raw --engine " ~ target.type
            ~ " --data " ~ folder) }}
    {%- endif -%}
    {%- set schema = var('raw_schema') -%}
    {%- set groups = {} -%}
    {%- do run_query('create schema if not exists "' ~ schema ~ '"') -%}
    {%- for source_node in graph.sources.values() if source_node.source_name == 'billing' -%}
        {%- set table = source_node.name -%}
        {%- set meta = source_node.meta -%}
        {%- set found = run_query(
            "select file from glob('" ~ folder ~ "/" ~ table ~ ".csv') union all "
            ~ "select file from glob('" ~ folder ~ "/" ~ table ~ ".parquet')") -%}
        {%- set columns = source_node.columns.values() | list -%}
        {%- if found.rows | length == 0 -%}
            {%- if meta.get('required') -%}
                {{ exceptions.raise_compiler_error(
                    "The required table '" ~ table ~ "' is missing in " ~ folder
                    ~ ". Add " ~ table ~ ".csv or " ~ table ~ ".parquet.") }}
            {%- endif -%}
            {%- set reader = none -%}
        {%- else -%}
            {%- set path = found.rows[0][0] -%}
            {%- if path.endswith('.parquet') -%}
                {%- set reader = "read_parquet('" ~ path ~ "')" -%}
            {%- else -%}
                {%- set reader = "read_csv('" ~ path ~ "', header = true, all_varchar = true, delim = ',')" -%}
            {%- endif -%}
            {%- set present = run_query("select lower(trim(column_name)) from (describe select * from " ~ reader ~ ")")
                .columns[0].values() | list -%}
            {%- if meta.get('group') and found.rows | length > 0 -%}
                {%- do groups.update({meta.get('group'): true}) -%}
            {%- endif -%}
        {%- endif -%}
        {%- set select_list = [] -%}
        {%- for column in columns -%}
            {%- if reader is not none and column.name in present -%}
                {%- do select_list.append('cast("' ~ column.name ~ '" as varchar) as "' ~ column.name ~ '"') -%}
            {%- elif reader is not none and column.meta.get('required') -%}
                {{ exceptions.raise_compiler_error(
                    path ~ ": the required column '" ~ column.name ~ "' is missing (columns found: "
                    ~ present | join(', ') ~ ").") }}
            {%- else -%}
                {%- do select_list.append('cast(null as varchar) as "' ~ column.name ~ '"') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if reader is none -%}
            {%- set body = "select " ~ select_list | join(', ') ~ ", cast(null as bigint) as _source_row_number where false" -%}
        {%- else -%}
            {%- set body = "select " ~ select_list | join(', ')
                ~ ", row_number() over () as _source_row_number from " ~ reader -%}
        {%- endif -%}
        {%- do run_query('create or replace table "' ~ schema ~ '"."' ~ table ~ '" as ' ~ body) -%}
        {%- do log("Loaded raw table " ~ table ~ " from " ~ (path if reader is not none else "no file"), info=true) -%}
    {%- endfor -%}
    {%- if not groups.get('billing_lines') -%}
        {{ exceptions.raise_compiler_error(
            "No billing data in " ~ folder ~ ": add line_items.csv or subscriptions.csv.") }}
    {%- endif -%}
    {%- do run_query('drop table if exists "' ~ schema ~ '"._load_rejects') -%}
    {{ return('select 1 as raw_folder_loaded') }}
{% endmacro %}
