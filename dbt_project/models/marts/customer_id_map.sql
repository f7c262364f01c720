-- One row per source person record with the persistent customer_id identity resolution gave it.

with

assignments as (

    select * from {{ source('identity', 'customer_assignments') }}

),

people as (

    select record_id from {{ ref('int_person_records') }}

)

select
    assignments.source_system,
    assignments.source_record_id,
    assignments.record_id,
    assignments.customer_id
from assignments
inner join people on assignments.record_id = people.record_id
