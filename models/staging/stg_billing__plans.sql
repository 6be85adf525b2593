{#- One row per raw plan row, with the factor that turns one billing
    interval's amount into MRR (numerator / denominator, kept exact). -#}
with

source as (

    select * from {{ source('billing', 'plans') }}

),

parsed as (

    select
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('name') }} as plan_name,
        lower({{ clean_text('interval_unit') }}) as interval_unit,
        {{ parse_integer('interval_count') }} as interval_count,
        {{ source_row_number(source('billing', 'plans'), 'plan_id') }} as source_row_number,
        {{ raw_values(['plan_id', 'name', 'interval_unit', 'interval_count']) }} as raw_values
    from source

),

ranked as (

    select
        parsed.*,
        row_number() over (partition by plan_id order by source_row_number) as plan_id_rank
    from parsed

),

final as (

    select
        plan_id,
        plan_name,
        interval_unit,
        interval_count,
        -- Months per interval: a week is 12/52 of a month and a day 12/365.25,
        -- so that ARR equals 52 weekly or 365.25 daily payments.
        case interval_unit
            when 'month' then 1
            when 'year' then 1
            when 'week' then 52
            when 'day' then 1461
        end as mrr_factor_numerator,
        case interval_unit
            when 'month' then interval_count
            when 'year' then 12 * interval_count
            when 'week' then 12 * interval_count
            when 'day' then 48 * interval_count
        end as mrr_factor_denominator,
        case
            when plan_id is null then 'missing_plan_id'
            when plan_id_rank > 1 then 'duplicate_plan_id'
            when
                interval_unit is null
                or interval_unit not in ('day', 'week', 'month', 'year')
                then 'invalid_interval_unit'
            when interval_count is null or interval_count < 1 then 'invalid_interval_count'
        end as quarantine_rule,
        cast(null as {{ dbt.type_string() }}) as warning_rule,
        source_row_number,
        raw_values
    from ranked

)

select * from final
