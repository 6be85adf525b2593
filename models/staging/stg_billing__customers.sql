{#- One row per raw customer row. Personal data (name, email) stops here. -#}
with

source as (

    select * from {{ source('billing', 'customers') }}

),

countries as (

    select * from {{ ref('countries') }}

),

country_aliases as (

    select * from {{ ref('country_aliases') }}

),

parsed as (

    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('country') }} as country_raw,
        {{ clean_text('state') }} as state,
        {{ clean_text('city') }} as city,
        lower({{ clean_text('channel') }}) as channel_raw,
        {{ parse_date('created_at') }} as created_on,
        {{ parse_date('lead_created_at') }} as lead_created_on,
        {{ parse_date('trial_started_at') }} as trial_started_on,
        {{ clean_text('created_at') }} as created_at_raw,
        {{ clean_text('lead_created_at') }} as lead_created_at_raw,
        {{ clean_text('trial_started_at') }} as trial_started_at_raw,
        {{ source_row_number(source('billing', 'customers'), 'customer_id') }} as source_row_number,
        {{ raw_values(['customer_id', 'country', 'state', 'city', 'channel',
                       'created_at', 'lead_created_at', 'trial_started_at']) }} as raw_values
    from source

),

matched as (

    select
        parsed.*,
        coalesce(iso.country_code, alias.country_code) as matched_country_code,
        row_number() over (
            partition by parsed.customer_id
            order by parsed.source_row_number
        ) as customer_id_rank
    from parsed
    left join countries as iso
        on upper(parsed.country_raw) = iso.country_code
    left join country_aliases as alias
        on lower(parsed.country_raw) = alias.alias

),

final as (

    select
        customer_id,
        coalesce(matched_country_code, 'XX') as country_code,
        country_raw,
        state,
        city,
        coalesce(channel_raw, 'unknown') as channel,
        created_on,
        lead_created_on,
        trial_started_on,
        case
            when customer_id is null then 'missing_customer_id'
            when customer_id_rank > 1 then 'duplicate_customer_id'
        end as quarantine_rule,
        case
            when country_raw is null then 'missing_country'
            when matched_country_code is null then 'unknown_country'
            when created_at_raw is not null and created_on is null then 'invalid_created_at'
            when lead_created_at_raw is not null and lead_created_on is null
                then 'invalid_lead_created_at'
            when trial_started_at_raw is not null and trial_started_on is null
                then 'invalid_trial_started_at'
        end as warning_rule,
        source_row_number,
        raw_values
    from matched

)

select * from final
