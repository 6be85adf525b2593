{#- One row per segment, segment value, customer, date and movement type:
    every customer movement under the segment values in force on its date,
    plus the transfers of that segment. Summing one segment's rows gives that
    segment's movements with no double counting. -#}
with

movements as (

    select * from {{ ref('int_customer_movements') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

transfers as (

    select * from {{ ref('int_segment_transfers') }}

),

attributed as (

    select
        history.segment,
        history.segment_value,
        movements.customer_id,
        movements.movement_date,
        movements.movement_type,
        movements.mrr_change
    from movements
    inner join history
        on
            movements.customer_id = history.customer_id
            and movements.movement_date >= history.valid_from
            and (movements.movement_date < history.valid_to or history.valid_to is null)

),

final as (

    select * from attributed
    union all
    select
        segment,
        segment_value,
        customer_id,
        movement_date,
        movement_type,
        mrr_change
    from transfers

)

select * from final
