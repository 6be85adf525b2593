{#- One row per raw payment or refund row. -#}
with

source as (

    select * from {{ source('billing', 'transactions') }}

),

parsed as (

    select
        {{ clean_text('transaction_id') }} as transaction_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        lower({{ clean_text('kind') }}) as transaction_kind,
        lower({{ clean_text('result') }}) as transaction_result,
        {{ parse_date('occurred_at') }} as occurred_on,
        {{ parse_decimal('amount') }} as amount,
        {{ source_row_number(source('billing', 'transactions'), 'transaction_id') }}
            as source_row_number,
        {{ raw_values(['transaction_id', 'invoice_id', 'kind', 'result',
                       'occurred_at', 'amount']) }} as raw_values
    from source

),

ranked as (

    select
        parsed.*,
        row_number()
            over (partition by transaction_id order by source_row_number)
            as transaction_rank
    from parsed

),

final as (

    select
        transaction_id,
        invoice_id,
        transaction_kind,
        transaction_result,
        occurred_on,
        amount,
        case
            when transaction_id is null then 'missing_transaction_id'
            when transaction_rank > 1 then 'duplicate_transaction_id'
            when invoice_id is null then 'missing_required_value'
            when transaction_kind is null or transaction_kind not in ('payment', 'refund')
                then 'invalid_transaction_kind'
            when transaction_result is null or transaction_result not in ('successful', 'failed')
                then 'invalid_transaction_result'
            when occurred_on is null then 'invalid_date'
            when amount is null or amount < 0 then 'invalid_amount'
        end as quarantine_rule,
        cast(null as {{ dbt.type_string() }}) as warning_rule,
        source_row_number,
        raw_values
    from ranked

)

select * from final
