-- The lines of checkout events (started and completed): which products, how many, at what price.

with

source as (

    {{ optional_source('web', 'pixel_events__data__checkout__line_items', {
        'quantity': 'bigint', 'variant__product__id': 'varchar', 'variant__product__title': 'varchar',
        'variant__product__type': 'varchar', 'final_line_price__amount': 'double', '_dlt_parent_id': 'varchar',
        '_dlt_list_idx': 'bigint',
    }) }}

),

events as (

    {{ optional_source('web', 'pixel_events', {'id': 'varchar', '_dlt_id': 'varchar'}) }}

),

renamed as (

    select
        cast(events.id as string) as event_id,
        cast(source._dlt_list_idx as integer) as line_position,
        {{ regexp_extract_group('source.variant__product__id', "'([0-9]+)$'") }} as product_ref,
        trim(source.variant__product__title) as product_name,
        lower(source.variant__product__type) as product_type,
        cast(source.quantity as integer) as quantity,
        cast(source.final_line_price__amount as double) as line_amount
    from source
    inner join events on source._dlt_parent_id = events._dlt_id

)

select * from renamed
