{#- Nothing lost: every raw row of every contract table is either accepted
    by staging or rejected into the quarantine, exactly once. Returns the
    tables whose counts do not add up. -#}
{%- set tables = [
    ('customers', 'stg_billing__customers'),
    ('customer_attributes', 'stg_billing__customer_attributes'),
    ('sales_reps', 'stg_billing__sales_reps'),
    ('plans', 'stg_billing__plans'),
    ('line_items', 'stg_billing__line_items'),
    ('subscriptions', 'stg_billing__subscriptions'),
    ('transactions', 'stg_billing__transactions'),
    ('exchange_rates', 'stg_billing__exchange_rates'),
] -%}
with

counts as (

    {% for table_name, model_name in tables -%}
    select
        '{{ table_name }}' as table_name,
        (select count(*) as row_count from {{ source('billing', table_name) }}) as raw_rows,
        (
            select count(*) as row_count from {{ ref(model_name) }}
            where quarantine_rule is null
        )
            as accepted_rows,
        (
            select count(*) as row_count from {{ ref('fct_quarantine') }}
            where
                table_name = '{{ table_name }}'
                and severity = 'rejected'
                and rule != 'wrong_field_count'
        ) as quarantined_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows != accepted_rows + quarantined_rows
