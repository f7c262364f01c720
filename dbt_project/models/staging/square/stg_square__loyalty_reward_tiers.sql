-- The loyalty program's reward tiers: how many points each reward takes.

with

source as (

    {{ optional_source('square', 'loyalty_program__reward_tiers', {
        'id': 'varchar', 'points': 'bigint', 'name': 'varchar', '_dlt_parent_id': 'varchar',
    }) }}

),

programs as (

    {{ optional_source('square', 'loyalty_program', {'id': 'varchar', '_dlt_id': 'varchar'}) }}

),

renamed as (

    select

        ----------  ids
        cast(source.id as string) as reward_tier_id,
        cast(programs.id as string) as loyalty_program_id,

        ----------  strings
        source.name as reward_name,

        ----------  numerics
        cast(source.points as integer) as points

    from source
    inner join programs on source._dlt_parent_id = programs._dlt_id

)

select * from renamed
