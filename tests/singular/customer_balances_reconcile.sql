{#- For every customer and month: month-end MRR equals the previous month
    end plus the signed sum of the customer's movements in the month.
    Returns the customer months that are off by more than a cent. -#}
with

balances as (

    select
        customer_id,
        month,
        mrr,
        lag(mrr) over (partition by customer_id order by month) as previous_mrr
    from {{ ref('fct_customer_mrr_monthly') }}

),

movements as (

    select
        customer_id,
        movement_month as month,
        sum(mrr_change) as mrr_change
    from {{ ref('fct_mrr_movements') }}
    where transfer_segment is null
    group by customer_id, movement_month

),

compared as (

    select
        balances.customer_id,
        balances.month,
        balances.mrr,
        coalesce(balances.previous_mrr, 0) as previous_mrr,
        coalesce(movements.mrr_change, 0) as mrr_change
    from balances
    left join movements
        on
            balances.customer_id = movements.customer_id
            and balances.month = movements.month

)

select * from compared
where abs(mrr - (previous_mrr + mrr_change)) > 0.01
