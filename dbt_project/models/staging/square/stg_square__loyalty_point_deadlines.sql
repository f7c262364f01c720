-- When each account's points expire: one row per account and expiry time, as Square schedules them.

with

source as (

    {{ optional_source('square', 'loyalty_accounts__expiring_point_deadlines', {
        'points': 'bigint', 'expires_at': 'timestamptz', '_dlt_parent_id': 'varchar',
    }) }}

),

accounts as (

    select * from {{ ref('stg_square__loyalty_accounts') }}

),

renamed as (

    select
        accounts.loyalty_account_id,
        cast(source.points as integer) as points,
        {{ to_utc('source.expires_at') }} as expires_at
    from source
    inner join accounts on source._dlt_parent_id = accounts.dlt_id

)

select * from renamed
