-- One row per customer: age, birth month and day, and the next birthday as of the run's as-of date
-- (29 February falls on 28 February in common years). NULLs where no record gives a birth date.

with

profiles as (

    select
        customer_id,
        date_of_birth
    from {{ ref('int_customer__identity') }}

),

as_of as (

    select as_of_date from {{ ref('int_run_as_of') }}

),

birth_dates as (

    select
        profiles.customer_id,
        cast(profiles.date_of_birth as date) as birth_date,
        as_of.as_of_date
    from profiles
    cross join as_of

),

this_year as (

    select
        *,
        cast(extract(month from birth_date) as bigint) as birth_month,
        cast(extract(day from birth_date) as bigint) as birth_day,
        {{ birthday_in_year('extract(year from as_of_date)', 'extract(month from birth_date)',
                            'extract(day from birth_date)') }} as birthday_this_year
    from birth_dates

),

next_birthdays as (

    select
        *,
        cast(case
            when birthday_this_year >= as_of_date then birthday_this_year
            else {{ birthday_in_year('extract(year from as_of_date) + 1', 'birth_month', 'birth_day') }}
        end as date) as next_birthday
    from this_year

)

select
    customer_id,
    birth_date,
    -- whole years: one less while this year's birthday is still to come
    cast(
        extract(year from as_of_date) - extract(year from birth_date)
        - case when birthday_this_year > as_of_date then 1 else 0 end
        as bigint
    ) as age,
    birth_month,
    birth_day,
    next_birthday,
    cast({{ dbt.datediff('as_of_date', 'next_birthday', 'day') | trim }} as bigint) as days_to_next_birthday
from next_birthdays
