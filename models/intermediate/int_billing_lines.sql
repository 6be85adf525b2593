{#- One row per accepted billing line that can carry MRR, from either input
    shape: subscription lines of invoices, and paid subscription periods.
    One-time and trial lines never carry MRR and are left out here (they stay
    in staging for the funnel and the reconciliation). -#}
with

line_items as (

    select * from {{ ref('stg_billing__line_items') }}
    where
        quarantine_rule is null
        and line_kind = 'subscription'

),

subscription_periods as (

    select * from {{ ref('stg_billing__subscriptions') }}
    where
        quarantine_rule is null
        and not is_trial

),

{%- if var('refund_handling') == 'deduct' %}

refunds as (

    select
        invoice_id,
        sum(amount) as refunded_amount
    from {{ ref('stg_billing__transactions') }}
    where
        quarantine_rule is null
        and transaction_kind = 'refund'
        and transaction_result = 'successful'
    group by invoice_id

),

invoice_totals as (

    select
        invoice_id,
        sum(amount) as invoice_subscription_amount
    from line_items
    where amount > 0
    group by invoice_id

),

{%- endif %}

-- With `refund_handling: deduct`, a refund lowers the positive subscription
-- lines of its invoice in proportion to their amounts.
invoice_lines as (

    select
        line_items.line_item_id as line_key,
        'line_items' as source_table,
        line_items.customer_id,
        line_items.subscription_id,
        line_items.plan_id,
        line_items.invoice_id,
        line_items.invoice_date,
        line_items.service_period_start as period_start,
        line_items.service_period_end as period_end,
        line_items.currency,
        {% if var('refund_handling') == 'deduct' -%}
        case
            when line_items.amount > 0 and refunds.refunded_amount is not null
                then line_items.amount - least(
                    line_items.amount,
                    refunds.refunded_amount * line_items.amount
                    / invoice_totals.invoice_subscription_amount
                )
            else line_items.amount
        end as amount,
        {%- else -%}
        line_items.amount,
        {%- endif %}
        line_items.is_prorated,
        line_items.cancelled_on
    from line_items
    {%- if var('refund_handling') == 'deduct' %}
    left join refunds
        on line_items.invoice_id = refunds.invoice_id
    left join invoice_totals
        on line_items.invoice_id = invoice_totals.invoice_id
    {%- endif %}

),

period_lines as (

    select
        {{ dbt.concat(['subscription_id', "'@'", dbt.cast('start_date', dbt.type_string())]) }}
            as line_key,
        'subscriptions' as source_table,
        customer_id,
        subscription_id,
        plan_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        start_date as invoice_date,
        start_date as period_start,
        end_date as period_end,
        currency,
        amount,
        false as is_prorated,
        cast(null as date) as cancelled_on
    from subscription_periods

),

final as (

    select * from invoice_lines
    union all
    select * from period_lines

)

select * from final
