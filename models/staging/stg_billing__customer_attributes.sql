{#- One row per raw customer attribute row. A later `valid_from` replaces the
    earlier value of the same attribute from that date on. -#}
with

source as (

    select * from {{ source('billing', 'customer_attributes') }}

),

customers as (

    select customer_id from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

parsed as (

    select
        {{ clean_text('customer_id') }} as customer_id,
        lower({{ clean_text('attribute') }}) as attribute,
        {{ clean_text('value') }} as attribute_value,
        {{ parse_date('valid_from') }} as valid_from,
        {{ source_row_number(source('billing', 'customer_attributes'),
                             'customer_id, attribute, valid_from') }} as source_row_number,
        {{ raw_values(['customer_id', 'attribute', 'value', 'valid_from']) }} as raw_values
    from source

),

ranked as (

    select
        parsed.*,
        customers.customer_id is not null as is_known_customer,
        row_number() over (
            partition by parsed.customer_id, parsed.attribute, parsed.valid_from
            order by parsed.source_row_number
        ) as same_day_rank,
        min(parsed.attribute_value) over (
            partition by parsed.customer_id, parsed.attribute, parsed.valid_from
        ) != max(parsed.attribute_value) over (
            partition by parsed.customer_id, parsed.attribute, parsed.valid_from
        ) as has_conflicting_values
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id

),

final as (

    select
        customer_id,
        attribute,
        attribute_value,
        valid_from,
        case
            when customer_id is null or attribute is null or attribute_value is null
                then 'missing_required_value'
            -- Built-in segment names cannot be redefined by a custom attribute.
            when attribute in ('all', 'country', 'region', 'channel', 'plan')
                then 'reserved_attribute_name'
            when not is_known_customer then 'unknown_customer'
            when valid_from is null then 'invalid_date'
            when same_day_rank > 1 and has_conflicting_values then 'conflicting_attribute_value'
            when same_day_rank > 1 then 'duplicate_attribute_value'
        end as quarantine_rule,
        case
            when valid_from > {{ as_of_date() }} then 'after_as_of_date'
        end as warning_rule,
        source_row_number,
        raw_values
    from ranked

)

select * from final
