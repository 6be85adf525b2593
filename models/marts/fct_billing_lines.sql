{#- One row per accepted raw billing row: every invoice line (subscription,
    one-time and trial) and every subscription period that passed the
    contract rules, with its amount in its own currency and, for lines that
    carry MRR, the MRR they add. With fct_quarantine it accounts for every
    raw billing row and every currency unit. -#}
with

line_items as (

    select * from {{ ref('stg_billing__line_items') }}
    where quarantine_rule is null

),

subscription_periods as (

    select * from {{ ref('stg_billing__subscriptions') }}
    where quarantine_rule is null

),

line_mrr as (

    select * from {{ ref('int_line_mrr') }}

),

all_lines as (

    select
        'line_items' as table_name,
        line_item_id as row_key,
        customer_id,
        subscription_id,
        plan_id,
        line_kind,
        service_period_start as period_start,
        service_period_end as period_end,
        currency,
        amount,
        tax_amount,
        is_prorated
    from line_items

    union all

    select
        'subscriptions' as table_name,
        {{ dbt.concat(['subscription_id', "'@'", dbt.cast('start_date', dbt.type_string())]) }}
            as row_key,
        customer_id,
        subscription_id,
        plan_id,
        case when is_trial then 'trial' else 'subscription' end as line_kind,
        start_date as period_start,
        end_date as period_end,
        currency,
        amount,
        cast(null as decimal(16, 4)) as tax_amount,
        false as is_prorated
    from subscription_periods

),

final as (

    select
        all_lines.*,
        line_mrr.mrr_native,
        line_mrr.rate_to_base,
        line_mrr.mrr,
        line_mrr.mrr_start,
        line_mrr.mrr_end
    from all_lines
    left join line_mrr
        on
            all_lines.table_name = line_mrr.source_table
            and all_lines.row_key = line_mrr.line_key

)

select * from final
