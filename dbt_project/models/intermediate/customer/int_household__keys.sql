-- The values that say two customers live together, one row per customer and value: the street line (number and
-- unit included) with its postcode, in its country's words (seeds/address_words.csv: Jl. and Jalan are one word);
-- a phone; an email. Values are staged, so identity's placeholder rules have already emptied `0000000000` and
-- `noemail@…`; names play no part (a household need not share a surname). Only values two or more customers hold
-- link anyone (int_household__members), and only up to var household_max_size of them: more is a shop's number or
-- an apartment block's street line, not a home.

with

records as (

    select
        customer_map.customer_id,
        people.country,
        people.postcode,
        cdp_normalize_address(people.address) as street,
        people.phone,
        people.email_key
    from {{ ref('customer_id_map') }} as customer_map
    inner join {{ ref('int_person_records') }} as people on customer_map.record_id = people.record_id

),

address_words as (

    select * from {{ ref('address_words') }}

),

streets as (

    select distinct
        customer_id,
        country,
        postcode,
        street
    from records
    where street is not null and postcode is not null and country is not null

),

words as (

    select
        customer_id,
        country,
        postcode,
        street,
        {{ words_with_position('street') }}
    from streets

),

canonical_streets as (

    select
        words.customer_id,
        words.country,
        words.postcode,
        -- a word the seed lists takes its canonical form; an empty one (NULL once loaded) drops the word
        {{ join_words(
            'case when address_words.word is null then words.word else address_words.canonical end',
            'words.word_position'
        ) }} as street
    from words
    left join address_words
        on words.country = address_words.country and words.word = address_words.word
    group by words.customer_id, words.country, words.postcode, words.street

),

keys as (

    select
        customer_id,
        'address' as key_kind,
        country || '|' || postcode || '|' || street as key_value
    from canonical_streets
    where street is not null

    union

    select
        customer_id,
        'phone' as key_kind,
        phone as key_value
    from records
    where phone is not null

    union

    select
        customer_id,
        'email' as key_kind,
        email_key as key_value
    from records
    where email_key is not null

),

holders as (

    select
        key_kind,
        key_value,
        count(distinct customer_id) as customers
    from keys
    group by key_kind, key_value

)

select
    keys.customer_id,
    keys.key_kind,
    keys.key_value,
    holders.customers as key_customers,
    holders.customers between 2 and {{ var('household_max_size') }} as links
from keys
inner join holders on keys.key_kind = holders.key_kind and keys.key_value = holders.key_value
