{#- One row per raw salesperson row. -#}
with

source as (

    select * from {{ source('billing', 'sales_reps') }}

),

parsed as (

    select
        {{ clean_text('sales_rep_id') }} as sales_rep_id,
        {{ clean_text('name') }} as sales_rep_name,
        {{ clean_text('team') }} as team,
        {{ clean_text('region') }} as region,
        {{ parse_date('hired_on') }} as hired_on,
        {{ parse_date('left_on') }} as left_on,
        {{ clean_text('hired_on') }} as hired_on_raw,
        {{ clean_text('left_on') }} as left_on_raw,
        {{ source_row_number(source('billing', 'sales_reps'), 'sales_rep_id') }}
            as source_row_number,
        {{ raw_values(['sales_rep_id', 'team', 'region', 'hired_on', 'left_on']) }} as raw_values
    from source

),

ranked as (

    select
        parsed.*,
        row_number() over (partition by sales_rep_id order by source_row_number) as rep_rank
    from parsed

),

final as (

    select
        sales_rep_id,
        sales_rep_name,
        team,
        coalesce(region, 'Unknown') as region,
        hired_on,
        left_on,
        case
            when sales_rep_id is null then 'missing_sales_rep_id'
            when rep_rank > 1 then 'duplicate_sales_rep_id'
        end as quarantine_rule,
        case
            when region is null then 'missing_region'
            when hired_on_raw is not null and hired_on is null then 'invalid_hired_on'
            when left_on_raw is not null and left_on is null then 'invalid_left_on'
            when left_on < hired_on then 'left_before_hired'
        end as warning_rule,
        source_row_number,
        raw_values
    from ranked

)

select * from final
