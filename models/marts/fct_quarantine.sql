{#- One row per raw row that broke a contract rule (severity `rejected`: the
    row is in no fact) and one per row that was accepted with a repaired or
    doubtful value (severity `warning`: the row is also in its fact). Each
    rejected raw row is here exactly once, so raw rows = accepted rows +
    rejected rows for every table. -#}
{%- set staged_tables = [
    ('customers', 'stg_billing__customers', "customer_id"),
    ('plans', 'stg_billing__plans', "plan_id"),
    ('line_items', 'stg_billing__line_items', "line_item_id"),
    ('subscriptions', 'stg_billing__subscriptions',
        dbt.concat(["subscription_id", "'@'", dbt.cast("start_date", dbt.type_string())])),
    ('customer_attributes', 'stg_billing__customer_attributes',
        dbt.concat(["customer_id", "'/'", "attribute", "'@'",
                    dbt.cast("valid_from", dbt.type_string())])),
    ('sales_reps', 'stg_billing__sales_reps', "sales_rep_id"),
    ('transactions', 'stg_billing__transactions', "transaction_id"),
    ('exchange_rates', 'stg_billing__exchange_rates',
        dbt.concat(["currency", "'@'", dbt.cast("rate_date", dbt.type_string())])),
] -%}
{%- set load_rejects = adapter.get_relation(
    database=target.database, schema=var('raw_schema'), identifier='_load_rejects'
) if execute else none -%}

with

{% for table_name, model_name, key_expression in staged_tables %}
{{ table_name }}_rows as (

    select
        '{{ table_name }}' as table_name,
        coalesce(
            {{ key_expression }},
            {{ dbt.concat(["'row '", dbt.cast('source_row_number', dbt.type_string())]) }}
        ) as row_key,
        quarantine_rule,
        warning_rule,
        source_row_number,
        raw_values
    from {{ ref(model_name) }}
    where quarantine_rule is not null or warning_rule is not null

),
{% endfor %}

staged as (

    {% for table_name, model_name, key_expression in staged_tables -%}
    select * from {{ table_name }}_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        table_name,
        row_key,
        quarantine_rule as rule,
        'rejected' as severity,
        raw_values,
        source_row_number
    from staged
    where quarantine_rule is not null

    union all

    select
        table_name,
        row_key,
        warning_rule as rule,
        'warning' as severity,
        raw_values,
        source_row_number
    from staged
    where
        quarantine_rule is null
        and warning_rule is not null

    {% if load_rejects is not none -%}
    union all

    -- Lines the loader could not split into the file's columns.
    select
        table_name,
        {{ dbt.concat(["'row '", dbt.cast('source_row_number', dbt.type_string())]) }} as row_key,
        rule,
        'rejected' as severity,
        raw_values,
        cast(source_row_number as integer) as source_row_number
    from {{ load_rejects }}
    {%- endif %}

)

select * from final
