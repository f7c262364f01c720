-- The seed's rates with the end of their validity, so an amount converts at the rate of its own day.

with

rates as (

    select * from {{ ref('exchange_rates') }}

),

reporting as (

    select units_per_reporting as reporting_units
    from rates
    where currency = '{{ var("reporting_currency") }}'
    order by valid_from desc
    limit 1

)

select
    rates.currency,
    rates.valid_from,
    lead(rates.valid_from) over (partition by rates.currency order by rates.valid_from) as valid_to,
    -- multiply an amount in `currency` by this to get the reporting currency
    reporting.reporting_units / rates.units_per_reporting as to_reporting_rate
from rates
cross join reporting
