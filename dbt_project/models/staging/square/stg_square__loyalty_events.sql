-- The loyalty ledger: one row per event, with the signed change it made to the account's balance. Square keeps each
-- event type's details in an object of its own (accumulate_points, create_reward, ...): their points, reward, order
-- and reason are gathered here. A purchase and a deleted reward give points, a reward's creation and an expiry take
-- them (signed here by the event's type, whichever sign the API wrote), an adjustment does either, a redemption
-- moves none.

{%- set source_relation = source('square', 'loyalty_events') %}

with

source as (

    {{ optional_source('square', 'loyalty_events', {
        'id': 'varchar', 'type': 'varchar', 'created_at': 'timestamptz', 'loyalty_account_id': 'varchar',
        'location_id': 'varchar', 'source': 'varchar', '_dlt_load_id': 'varchar',
    }) }}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as loyalty_event_id,
        cast(loyalty_account_id as string) as loyalty_account_id,
        cast(location_id as string) as location_id,
        coalesce(
            {{ column_or_null(source_relation, 'accumulate_points__order_id') }},
            {{ column_or_null(source_relation, 'redeem_reward__order_id') }}
        ) as order_id,
        coalesce(
            {{ column_or_null(source_relation, 'create_reward__reward_id') }},
            {{ column_or_null(source_relation, 'redeem_reward__reward_id') }},
            {{ column_or_null(source_relation, 'delete_reward__reward_id') }}
        ) as reward_id,

        ----------  strings
        upper(type) as event_type,
        source as event_source,
        {{ column_or_null(source_relation, 'adjust_points__reason') }} as reason,

        ----------  numerics
        cast(coalesce(
            case upper(type)
                when 'ACCUMULATE_POINTS'
                then abs({{ column_or_null(source_relation, 'accumulate_points__points', 'bigint') }})
                when 'CREATE_REWARD' then -abs({{ column_or_null(source_relation, 'create_reward__points', 'bigint') }})
                when 'DELETE_REWARD' then abs({{ column_or_null(source_relation, 'delete_reward__points', 'bigint') }})
                when 'ADJUST_POINTS' then {{ column_or_null(source_relation, 'adjust_points__points', 'bigint') }}
                when 'EXPIRE_POINTS' then -abs({{ column_or_null(source_relation, 'expire_points__points', 'bigint') }})
            end,
            0
        ) as integer) as points,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
