{#- One row per customer, segment, date and direction of a transfer: when a
    paying customer's segment value changes (a reassigned sales rep, a new
    plan, a changed attribute), the old value loses the customer's MRR as
    transfer_out and the new value gains it as transfer_in. The amount is the
    MRR in force at the end of the previous day; movements of the same day
    belong to the new value. -#}
with

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

segment_changes as (

    select
        customer_id,
        segment,
        valid_from as transfer_date,
        segment_value as new_value,
        lag(segment_value) over (
            partition by customer_id, segment
            order by valid_from
        ) as old_value
    from history

),

balances_before as (

    select
        segment_changes.customer_id,
        segment_changes.segment,
        segment_changes.transfer_date,
        segment_changes.old_value,
        segment_changes.new_value,
        changes.mrr_after as mrr_before_transfer,
        row_number() over (
            partition by
                segment_changes.customer_id, segment_changes.segment,
                segment_changes.transfer_date
            order by changes.change_date desc
        ) as recency
    from segment_changes
    inner join changes
        on
            segment_changes.customer_id = changes.customer_id
            and changes.change_date < segment_changes.transfer_date
    where
        segment_changes.old_value is not null
        and segment_changes.old_value != segment_changes.new_value

),

paying_transfers as (

    select * from balances_before
    where
        recency = 1
        and mrr_before_transfer > 0

),

final as (

    select
        customer_id,
        segment,
        old_value as segment_value,
        transfer_date as movement_date,
        'transfer_out' as movement_type,
        -mrr_before_transfer as mrr_change
    from paying_transfers

    union all

    select
        customer_id,
        segment,
        new_value as segment_value,
        transfer_date as movement_date,
        'transfer_in' as movement_type,
        mrr_before_transfer as mrr_change
    from paying_transfers

)

select * from final
