{#- One row per customer, segment and period during which the customer had
    one segment value (valid_to exclusive, null while current). Segments:
    `all`, `country`, `region`, `channel`, `plan` and one per custom attribute
    (always including `sales_rep_id`). Every customer has a value in every
    segment at every date: `unassigned` when nothing says otherwise.

    `plan` follows billing: the plan of the customer's largest line in force,
    changing only while the customer pays, so churn stays with the plan the
    customer left. Attributes follow `customer_attributes`, point in time: a
    reassignment never rewrites the earlier periods. -#}
with

customers as (

    select * from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

attributes as (

    select * from {{ ref('stg_billing__customer_attributes') }}
    where
        quarantine_rule is null
        and valid_from <= {{ as_of_date() }}

),

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

lines as (

    select * from {{ ref('int_line_mrr') }}

),

static_segments as (

    select
        customer_id,
        'all' as segment,
        'all' as segment_value
    from customers
    union all
    select
        customer_id,
        'country' as segment,
        country_code as segment_value
    from customers
    union all
    select
        customers.customer_id,
        'region' as segment,
        coalesce(country_regions.region, 'Unknown') as segment_value
    from customers
    left join country_regions
        on customers.country_code = country_regions.country_code
    union all
    select
        customer_id,
        'channel' as segment,
        channel as segment_value
    from customers

),

attribute_names as (

    select distinct attribute from attributes
    union
    select 'sales_rep_id' as attribute

),

-- Before its first value, and when it has none, a customer is `unassigned`.
attribute_values as (

    select
        customers.customer_id,
        attribute_names.attribute as segment,
        'unassigned' as segment_value,
        cast('1900-01-01' as date) as valid_from
    from customers
    cross join attribute_names

    union all

    select
        customer_id,
        attribute as segment,
        attribute_value as segment_value,
        valid_from
    from attributes

),

plans_in_force as (

    select
        changes.customer_id,
        changes.change_date,
        lines.plan_id,
        row_number() over (
            partition by changes.customer_id, changes.change_date
            order by lines.mrr desc, lines.plan_id asc
        ) as plan_rank
    from changes
    inner join lines
        on
            changes.customer_id = lines.customer_id
            and lines.mrr_start <= changes.change_date
            and (lines.mrr_end > changes.change_date or lines.mrr_end is null)
            and lines.mrr > 0
    where changes.mrr_after > 0

),

plan_values as (

    select
        customer_id,
        'plan' as segment,
        'unassigned' as segment_value,
        cast('1900-01-01' as date) as valid_from
    from customers

    union all

    select
        customer_id,
        'plan' as segment,
        plan_id as segment_value,
        change_date as valid_from
    from plans_in_force
    where plan_rank = 1

),

dynamic_values as (

    select * from attribute_values
    union all
    select * from plan_values

),

-- Keep only the dates on which the value actually changes.
dynamic_changes as (

    select
        dynamic_values.*,
        lag(segment_value) over (
            partition by customer_id, segment
            order by valid_from
        ) as previous_value
    from dynamic_values

),

periods as (

    select
        customer_id,
        segment,
        segment_value,
        cast('1900-01-01' as date) as valid_from
    from static_segments

    union all

    select
        customer_id,
        segment,
        segment_value,
        valid_from
    from dynamic_changes
    where previous_value is null or previous_value != segment_value

),

final as (

    select
        customer_id,
        segment,
        segment_value,
        valid_from,
        lead(valid_from) over (
            partition by customer_id, segment
            order by valid_from
        ) as valid_to
    from periods

)

select * from final
