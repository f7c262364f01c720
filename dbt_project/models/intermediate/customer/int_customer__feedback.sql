-- One row per customer: what they said in surveys (HubSpot feedback submissions of their contacts). The last NPS
-- answer and its category (NPS's rule: 9-10 promoter, 7-8 passive, 0-6 detractor); a detractor whose last answer is
-- within var detractor_days (90) is_detractor (a service follow-up; left out of promotional segments), a promoter
-- within var promoter_days (180) is_promoter (a referral ask). CSAT (1-5) and CES (1-7) are averaged.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

responses as (

    select
        feedback.*,
        customer_map.customer_id
    from {{ ref('stg_hubspot__feedback_submissions') }} as feedback
    inner join {{ ref('customer_id_map') }} as customer_map
        on customer_map.source_system = 'hubspot' and feedback.contact_id = customer_map.source_record_id

),

last_nps as (

    {{ first_row_per('responses', partition_by='customer_id', order_by='submitted_at desc, submission_id desc',
        columns=['customer_id', 'response_value as last_nps_score', 'nps_category as last_nps_category',
                 'submitted_at as last_nps_at'],
        where='nps_category is not null') }}

),

stats as (

    select
        customer_id,
        count(*) as feedback_responses,
        count(case when nps_category is not null then 1 end) as nps_responses,
        avg(case when survey_type = 'CSAT' then response_value end) as average_csat,
        count(case when survey_type = 'CSAT' and response_value is not null then 1 end) as csat_responses,
        avg(case when survey_type = 'CES' then response_value end) as average_ces,
        max(case when comment is not null then submitted_at end) as last_feedback_comment_at
    from responses
    group by customer_id

)

select
    customers.customer_id,
    coalesce(stats.feedback_responses, 0) as feedback_responses,
    coalesce(stats.nps_responses, 0) as nps_responses,
    cast(last_nps.last_nps_score as integer) as last_nps_score,
    last_nps.last_nps_category,
    last_nps.last_nps_at,
    stats.average_csat,
    coalesce(stats.csat_responses, 0) as csat_responses,
    stats.average_ces,
    stats.last_feedback_comment_at,
    coalesce(
        last_nps.last_nps_category = 'detractor'
        and last_nps.last_nps_at >= {{ dbt.dateadd('day', -1 * var('detractor_days'), as_of()) }}
        and last_nps.last_nps_at <= {{ as_of() }},
        false
    ) as is_detractor,
    coalesce(
        last_nps.last_nps_category = 'promoter'
        and last_nps.last_nps_at >= {{ dbt.dateadd('day', -1 * var('promoter_days'), as_of()) }}
        and last_nps.last_nps_at <= {{ as_of() }},
        false
    ) as is_promoter
from customers
left join stats on customers.customer_id = stats.customer_id
left join last_nps on customers.customer_id = last_nps.customer_id
