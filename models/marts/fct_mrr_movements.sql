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
        {%- for segment, column in [('country', 'country_code'), ('region', 'region'),
                                    ('channel', 'channel'), ('plan', 'plan_id'),
                                    ('sales_rep_id', 'sales_rep_id')] %}
        case
            when all_movements.transfer_segment = '{{ segment }}'
                then all_movements.transfer_segment_value
            else {{ segment }}_history.segment_value
        end as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from all_movements
    {%- for segment in ['country', 'region', 'channel', 'plan', 'sales_rep_id'] %}
    left join history as {{ segment }}_history
        on all_movements.customer_id = {{ segment }}_history.customer_id
        and {{ segment }}_history.segment = '{{ segment }}'
        and all_movements.movement_date >= {{ segment }}_history.valid_from
        and (all_movements.movement_date < {{ segment }}_history.valid_to
            or {{ segment }}_history.valid_to is null)
    {%- endfor %}

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
