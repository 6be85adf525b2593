{#- One row per ISO 3166-1 country, plus `XX` for unknown values, with the
    sales region from the editable `country_regions` seed. -#}
with

countries as (

    select * from {{ ref('countries') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

final as (

    select
        countries.country_code,
        countries.country_name,
        countries.alpha3_code,
        countries.numeric_code,
        coalesce(country_regions.region, 'Unknown') as region
    from countries
    left join country_regions
        on countries.country_code = country_regions.country_code

)

select * from final
