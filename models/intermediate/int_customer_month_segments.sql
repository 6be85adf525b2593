{#- One row per customer, month and segment, with the customer's month-end
    MRR and the segment value in force on the balance date. -#}
with

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

final as (

    select
        customer_months.customer_id,
        customer_months.month,
        customer_months.is_complete_month,
        history.segment,
        history.segment_value,
        customer_months.mrr
    from customer_months
    inner join history
        on
            customer_months.customer_id = history.customer_id
            and customer_months.balance_date >= history.valid_from
            and (customer_months.balance_date < history.valid_to or history.valid_to is null)

)

select * from final
