-- One row per Square Loyalty account: the customer it belongs to, its phone mapping, balance and lifetime points.

with

source as (

    {{ optional_source('square', 'loyalty_accounts', {
        'id': 'varchar', 'program_id': 'varchar', 'customer_id': 'varchar', 'mapping__phone_number': 'varchar',
        'balance': 'bigint', 'lifetime_points': 'bigint', 'enrolled_at': 'timestamptz', 'created_at': 'timestamptz',
        'updated_at': 'timestamptz', '_dlt_load_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as loyalty_account_id,
        cast(program_id as string) as loyalty_program_id,
        cast(customer_id as string) as customer_id,
        _dlt_id as dlt_id,

        ----------  strings
        mapping__phone_number as phone,

        ----------  numerics
        cast(balance as integer) as balance,
        cast(lifetime_points as integer) as lifetime_points,

        ----------  timestamps
        {{ to_utc('enrolled_at') }} as enrolled_at,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
