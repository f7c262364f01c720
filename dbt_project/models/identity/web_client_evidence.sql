-- Why a web client ID belongs to a customer: one row per client, customer and kind of tie (web_identified_events),
-- with how many events showed it and when, and the first of them with the source record it named. Each row is also
-- recorded in identity.match_evidence beside the scored pairs (macros/web_ties_as_match_evidence.sql), so that one
-- query there explains every link of a customer.
{{ config(post_hook="{{ web_ties_as_match_evidence(this) }}") }}

select
    client_id,
    customer_id,
    match_type,
    count(*) as events,
    min(occurred_at) as first_tied_at,
    max(occurred_at) as last_tied_at,
    {{ earliest_by('event_id', ['occurred_at', 'event_id']) }} as first_event_id,
    {{ earliest_by('record_id', ['occurred_at', 'event_id']) }} as record_id
from {{ ref('web_identified_events') }}
group by client_id, customer_id, match_type
