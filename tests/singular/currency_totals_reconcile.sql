{#- Nothing lost in money: for each billing table and currency, the amounts
    of the raw rows add up to the amounts accepted into fct_billing_lines plus
    the amounts of the rows rejected into fct_quarantine, to the cent, and the
    row counts add up the same way. Returns the table and currency groups
    that do not add up.

    Raw amounts are parsed with the same parse_decimal macro as staging, and
    currencies are trimmed and upper-cased like staging does. A raw row whose
    amount cannot be parsed (text such as `12,50`, `1e20` or an empty value)
    or whose currency is empty has no amount in a currency. Such rows go to
    the group `(unparsed)` of their table instead, which compares row counts
    only: every one of them must be rejected, so the group expects as many
    rejected rows as raw rows and no accepted row. Lines that the loader
    could not split into fields (rule `wrong_field_count`) never reach the
    raw table and are left out on both sides. -#}
{%- set billing_tables = [
    ('line_items', 'stg_billing__line_items'),
    ('subscriptions', 'stg_billing__subscriptions'),
] -%}
{%- set unparsed_group = "'(unparsed)'" -%}

with

{% for table_name, model_name in billing_tables %}
{{ table_name }}_raw as (

    select
        '{{ table_name }}' as table_name,
        upper({{ clean_text('currency') }}) as currency,
        {{ parse_decimal('amount') }} as amount
    from {{ source('billing', table_name) }}

),

-- The parsed currency and amount of each rejected row come from its staging
-- row, found by the row number of the raw file.
{{ table_name }}_rejected as (

    select
        '{{ table_name }}' as table_name,
        staged.currency,
        staged.amount
    from {{ ref('fct_quarantine') }} as quarantine
    inner join {{ ref(model_name) }} as staged
        on quarantine.source_row_number = staged.source_row_number
    where
        quarantine.table_name = '{{ table_name }}'
        and quarantine.severity = 'rejected'
        and quarantine.rule != 'wrong_field_count'

),

{% endfor %}

raw_rows as (

    {% for table_name, model_name in billing_tables -%}
    select * from {{ table_name }}_raw
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

rejected_rows as (

    {% for table_name, model_name in billing_tables -%}
    select * from {{ table_name }}_rejected
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

accepted_rows as (

    select
        table_name,
        currency,
        amount
    from {{ ref('fct_billing_lines') }}

),

{% for side in ['raw', 'rejected', 'accepted'] %}
{{ side }}_totals as (

    select
        table_name,
        case
            when currency is null or amount is null then {{ unparsed_group }}
            else currency
        end as currency_group,
        count(*) as row_count,
        sum(case when currency is null or amount is null then 0 else amount end) as amount
    from {{ side }}_rows
    group by
        table_name,
        case
            when currency is null or amount is null then {{ unparsed_group }}
            else currency
        end

),
{% endfor %}

groups as (

    select
        table_name,
        currency_group
    from raw_totals
    union
    select
        table_name,
        currency_group
    from rejected_totals
    union
    select
        table_name,
        currency_group
    from accepted_totals

),

compared as (

    select
        groups.table_name,
        groups.currency_group,
        coalesce(raw_totals.row_count, 0) as raw_rows,
        coalesce(accepted_totals.row_count, 0) as accepted_rows,
        coalesce(rejected_totals.row_count, 0) as rejected_rows,
        coalesce(raw_totals.amount, 0) as raw_amount,
        coalesce(accepted_totals.amount, 0) as accepted_amount,
        coalesce(rejected_totals.amount, 0) as rejected_amount
    from groups
    left join raw_totals
        on
            groups.table_name = raw_totals.table_name
            and groups.currency_group = raw_totals.currency_group
    left join accepted_totals
        on
            groups.table_name = accepted_totals.table_name
            and groups.currency_group = accepted_totals.currency_group
    left join rejected_totals
        on
            groups.table_name = rejected_totals.table_name
            and groups.currency_group = rejected_totals.currency_group

)

select * from compared
where
    raw_rows != accepted_rows + rejected_rows
    or abs(raw_amount - (accepted_amount + rejected_amount)) >= 0.005
    or (currency_group = {{ unparsed_group }} and accepted_rows > 0)
