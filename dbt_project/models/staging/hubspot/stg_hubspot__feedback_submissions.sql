-- Survey responses, one row each, with the contact who answered. An NPS answer's category is NPS's own rule:
-- 9-10 promoter, 7-8 passive, 0-6 detractor.

with

source as (

    {{ optional_source('hubspot', 'feedback_submissions', {
        'id': 'varchar', 'hs_survey_id': 'varchar', 'hs_survey_name': 'varchar', 'hs_survey_type': 'varchar',
        'hs_survey_channel': 'varchar', 'hs_value': 'varchar', 'hs_response_group': 'varchar',
        'hs_sentiment': 'varchar', 'hs_content': 'varchar', 'hs_submission_timestamp': 'timestamptz',
        'created_at': 'timestamptz', '_dlt_load_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

contacts as (

    select
        _dlt_parent_id,
        min(cast(value as string)) as contact_id
    from ({{ optional_source('hubspot', 'feedback_submissions__associated_contacts_ids', {
        'value': 'varchar', '_dlt_parent_id': 'varchar',
    }) }}) as associated
    group by _dlt_parent_id

),

renamed as (

    select

        ----------  ids
        cast(source.id as string) as submission_id,
        contacts.contact_id,
        cast(source.hs_survey_id as string) as survey_id,

        ----------  strings
        upper(source.hs_survey_type) as survey_type,
        source.hs_survey_name as survey_name,
        upper(source.hs_survey_channel) as survey_channel,
        lower(source.hs_response_group) as response_group,
        upper(source.hs_sentiment) as sentiment,
        nullif(trim(source.hs_content), '') as comment,  -- the published name, used downstream -- noqa: RF04

        ----------  numerics
        {{ dbt.safe_cast('source.hs_value', 'double') }} as response_value,

        ----------  timestamps
        coalesce({{ to_utc('source.hs_submission_timestamp') }}, {{ to_utc('source.created_at') }}) as submitted_at,

        ----------  lineage
        source._dlt_load_id as load_id

    from source
    left join contacts on source._dlt_id = contacts._dlt_parent_id

)

select
    *,
    case
        when survey_type != 'NPS' or response_value is null then null
        when response_value >= 9 then 'promoter'
        when response_value >= 7 then 'passive'
        else 'detractor'
    end as nps_category
from renamed
