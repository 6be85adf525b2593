{#- One row per customer, date and movement type (new_business, expansion,
    contraction, churn, reactivation, fx_adjustment), with the signed change
    in base-currency MRR. Transfers between segments are added per segment in
    int_segment_movements. -#}
with

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

organic as (

    select
        customer_id,
        change_date as movement_date,
        organic_movement_type as movement_type,
        organic_change as mrr_change,
        mrr_before,
        mrr_after
    from changes
    where organic_movement_type is not null

),

exchange_rate_effects as (

    select
        customer_id,
        change_date as movement_date,
        'fx_adjustment' as movement_type,
        fx_adjustment as mrr_change,
        mrr_before,
        mrr_after
    from changes
    where fx_adjustment != 0

),

final as (

    select * from organic
    union all
    select * from exchange_rate_effects

)

select * from final
