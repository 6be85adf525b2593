{#- One row per raw invoice line, typed, with the first contract rule it
    breaks (if any). Rules are checked in a fixed order so a row names the
    most basic problem first. -#}
with

source as (

    select * from {{ source('billing', 'line_items') }}

),

customers as (

    select customer_id from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

plans as (

    select plan_id from {{ ref('stg_billing__plans') }}
    where quarantine_rule is null

),

currencies as (

    select currency_code from {{ ref('currencies') }}

),

first_rates as (

    select
        currency,
        min(rate_date) as first_rate_date
    from {{ ref('stg_billing__exchange_rates') }}
    where quarantine_rule is null
    group by currency

),

parsed as (

    select
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ parse_date('invoice_date') }} as invoice_date,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('plan_id') }} as plan_id,
        lower({{ clean_text('kind') }}) as line_kind,
        {{ parse_date('service_period_start') }} as service_period_start,
        {{ parse_date('service_period_end') }} as service_period_end,
        upper({{ clean_text('currency') }}) as currency,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_decimal('discount_amount') }} as discount_amount,
        {{ parse_decimal('tax_amount') }} as tax_amount,
        coalesce({{ parse_integer('quantity') }}, 1) as quantity,
        coalesce({{ parse_boolean('prorated') }}, false) as is_prorated,
        {{ parse_date('cancelled_at') }} as cancelled_on,
        {{ clean_text('invoice_date') }} as invoice_date_raw,
        {{ clean_text('cancelled_at') }} as cancelled_at_raw,
        {{ clean_text('service_period_start') }} as service_period_start_raw,
        {{ clean_text('service_period_end') }} as service_period_end_raw,
        {{ clean_text('discount_amount') }} as discount_amount_raw,
        {{ clean_text('tax_amount') }} as tax_amount_raw,
        {{ clean_text('quantity') }} as quantity_raw,
        {{ clean_text('prorated') }} as prorated_raw,
        {{ source_row_number(source('billing', 'line_items'), 'line_item_id') }}
            as source_row_number,
        {{ raw_values(['line_item_id', 'invoice_id', 'invoice_date', 'customer_id',
                       'subscription_id', 'plan_id', 'kind', 'service_period_start',
                       'service_period_end', 'currency', 'amount', 'discount_amount',
                       'tax_amount', 'quantity', 'prorated', 'cancelled_at']) }} as raw_values
    from source

),

checked as (

    select
        parsed.*,
        case
            when parsed.line_item_id is null then 'missing_line_item_id'
            when row_number() over (
                partition by parsed.line_item_id order by parsed.source_row_number
            ) > 1 then 'duplicate_line_item_id'
            when
                parsed.line_kind is null
                or parsed.line_kind not in ('subscription', 'one_time', 'trial')
                then 'invalid_kind'
            when parsed.customer_id is null or customers.customer_id is null then 'unknown_customer'
            when
                parsed.service_period_start is null
                or (parsed.service_period_end is null and parsed.service_period_end_raw is not null)
                or (parsed.service_period_end is null and parsed.line_kind != 'one_time')
                or (parsed.invoice_date is null and parsed.invoice_date_raw is not null)
                or (parsed.cancelled_on is null and parsed.cancelled_at_raw is not null)
                then 'invalid_date'
            when
                parsed.amount is null
                or (parsed.discount_amount is null and parsed.discount_amount_raw is not null)
                or (parsed.tax_amount is null and parsed.tax_amount_raw is not null)
                or (
                    {{ parse_integer('parsed.quantity_raw') }} is null
                    and parsed.quantity_raw is not null
                )
                or (
                    {{ parse_boolean('parsed.prorated_raw') }} is null
                    and parsed.prorated_raw is not null
                )
                then 'invalid_amount'
            when parsed.line_kind = 'subscription' and parsed.subscription_id is null
                then 'missing_subscription_id'
            when
                parsed.line_kind = 'subscription'
                and (parsed.plan_id is null or plans.plan_id is null)
                then 'unknown_plan'
            when parsed.service_period_end < parsed.service_period_start then 'end_before_start'
            when
                parsed.line_kind != 'one_time'
                and parsed.service_period_end = parsed.service_period_start
                then 'empty_service_period'
            when parsed.amount < 0 and not parsed.is_prorated then 'negative_amount_not_prorated'
            when parsed.currency is null or currencies.currency_code is null then 'unknown_currency'
            when
                parsed.line_kind = 'subscription'
                and parsed.currency != '{{ var("base_currency") }}'
                and (
                    first_rates.first_rate_date is null
                    or first_rates.first_rate_date > parsed.service_period_start
                )
                then 'missing_exchange_rate'
        end as basic_rule
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id
    left join plans
        on parsed.plan_id = plans.plan_id
    left join currencies
        on parsed.currency = currencies.currency_code
    left join first_rates
        on parsed.currency = first_rates.currency

),

-- A full-price charge for a subscription period that another accepted line
-- already charges (same subscription, plan and dates) is a re-imported copy.
duplicates_ranked as (

    select
        checked.*,
        case
            when
                basic_rule is null
                and line_kind = 'subscription'
                and not is_prorated
                and amount > 0
                then row_number() over (
                    partition by
                        basic_rule,
                        line_kind,
                        is_prorated,
                        amount > 0,
                        subscription_id,
                        plan_id,
                        service_period_start,
                        service_period_end
                    order by source_row_number
                )
        end as period_charge_rank
    from checked

),

final as (

    select
        line_item_id,
        invoice_id,
        invoice_date,
        customer_id,
        subscription_id,
        plan_id,
        line_kind,
        service_period_start,
        coalesce(service_period_end, service_period_start) as service_period_end,
        currency,
        amount,
        discount_amount,
        tax_amount,
        quantity,
        is_prorated,
        cancelled_on,
        coalesce(
            basic_rule,
            case when period_charge_rank > 1 then 'duplicate_subscription_period' end
        ) as quarantine_rule,
        case
            when service_period_start > {{ as_of_date() }} then 'after_as_of_date'
        end as warning_rule,
        source_row_number,
        raw_values
    from duplicates_ranked

)

select * from final
