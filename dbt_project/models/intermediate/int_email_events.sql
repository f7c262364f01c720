-- Email events with the person record they reached. The events name only the recipient's address: it is matched
-- to the CRM contact holding that mailbox (the tool sends to CRM contacts), else to any record holding it;
-- the lowest record id wins a tie so the match is deterministic.

with

events as (

    select * from {{ ref('stg_hubspot__email_events') }}

),

people as (

    select * from {{ ref('int_person_records') }}

),

mailbox_owner as (

    {{ first_row_per(
        'people',
        partition_by='email_key',
        order_by="case when source_system = 'hubspot' then 0 else 1 end, record_id",
        columns=['email_key', 'record_id'],
        where='email_key is not null',
    ) }}

)

select
    events.email_event_id,
    events.event_type,
    events.email_campaign_id,
    events.recipient_email,
    events.url,
    events.subscription_status,
    events.created_at as event_at,
    mailbox_owner.record_id,
    events.load_id
from events
left join mailbox_owner on events.recipient_email_key = mailbox_owner.email_key
