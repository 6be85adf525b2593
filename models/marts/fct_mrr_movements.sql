{#- One row per customer, date and movement type, with the signed change of
    base-currency MRR and the segment values in force on that date. A
    transfer adds a transfer_out and a transfer_in row for the segment named
    in `transfer_segment`; in those rows that segment's column holds the old
    and the new value. Transfers net to zero for the company and for every
    other segment. -#}
with

movements as (

    select * from {{ ref('int_customer_movements') }}

),

transfers as (

    select * from {{ ref('int_segment_transfers') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

all_movements as (

    select
        customer_id,
        movement_date,
        movement_type,
        mrr_change,
        mrr_before,
        mrr_after,
        cast(null as {{ dbt.type_string() }}) as transfer_segment,
        cast(null as {{ dbt.type_string() }}) as transfer_segment_value
    from movements

    union all

    select
        customer_id,
        movement_date,
        movement_type,
        mrr_change,
        case when movement_type = 'transfer_out' then -mrr_change else 0 end as mrr_before,
        case when movement_type = 'transfer_in' then mrr_change else 0 end as mrr_after,
        segment as transfer_segment,
        segment_value as transfer_segment_value
    from transfers

),

with_segments as (

    select
        all_movements.*,
        case
            when all_movements.transfer_segment = 'country'
                then all_movements.transfer_segment_value
            else country_history.segment_value
        end as country_code,
        case
            when all_movements.transfer_segment = 'region'
                then all_movements.transfer_segment_value
            else region_history.segment_value
        end as region,
        case
            when all_movements.transfer_segment = 'channel'
                then all_movements.transfer_segment_value
            else channel_history.segment_value
        end as channel,
        case
            when all_movements.transfer_segment = 'plan'
                then all_movements.transfer_segment_value
            else plan_history.segment_value
        end as plan_id,
        case
            when all_movements.transfer_segment = 'sales_rep_id'
                then all_movements.transfer_segment_value
            else sales_rep_id_history.segment_value
        end as sales_rep_id
    from all_movements
    left join history as country_history
        on
            all_movements.customer_id = country_history.customer_id
            and country_history.segment = 'country'
            and all_movements.movement_date >= country_history.valid_from
            and (
                all_movements.movement_date < country_history.valid_to
                or country_history.valid_to is null
            )
    left join history as region_history
        on
            all_movements.customer_id = region_history.customer_id
            and region_history.segment = 'region'
            and all_movements.movement_date >= region_history.valid_from
            and (
                all_movements.movement_date < region_history.valid_to
                or region_history.valid_to is null
            )
    left join history as channel_history
        on
            all_movements.customer_id = channel_history.customer_id
            and channel_history.segment = 'channel'
            and all_movements.movement_date >= channel_history.valid_from
            and (
                all_movements.movement_date < channel_history.valid_to
                or channel_history.valid_to is null
            )
    left join history as plan_history
        on
            all_movements.customer_id = plan_history.customer_id
            and plan_history.segment = 'plan'
            and all_movements.movement_date >= plan_history.valid_from
            and (
                all_movements.movement_date < plan_history.valid_to
                or plan_history.valid_to is null
            )
    left join history as sales_rep_id_history
        on
            all_movements.customer_id = sales_rep_id_history.customer_id
            and sales_rep_id_history.segment = 'sales_rep_id'
            and all_movements.movement_date >= sales_rep_id_history.valid_from
            and (
                all_movements.movement_date < sales_rep_id_history.valid_to
                or sales_rep_id_history.valid_to is null
            )

),

final as (

    select
        customer_id,
        movement_date,
        {{ month_start('movement_date') }} as movement_month,
        movement_type,
        mrr_change,
        mrr_before,
        mrr_after,
        transfer_segment,
        transfer_segment_value,
        country_code,
        region,
        channel,
        plan_id,
        sales_rep_id
    from with_segments

)

select * from final
