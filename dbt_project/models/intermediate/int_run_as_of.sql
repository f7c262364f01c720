-- The run's as-of time (CONTRACT §4): recency, lifecycle and birthdays are computed as of it.
-- The var `as_of` overrides; else the latest run's source clock (the sources' HTTP Date header).

with

clock as (

    select * from {{ source('meta', 'source_clock') }}

),

latest_run as (

    select run_id
    from clock
    order by recorded_at desc, observed_at desc
    limit 1

),

observed as (

    select
        max(clock.run_id) as run_id,
        max(clock.observed_at) as observed_at
    from clock
    inner join latest_run on clock.run_id = latest_run.run_id

),

final as (

    select
        run_id,
        {% if var('as_of') -%}
        cast('{{ var("as_of") }}' as timestamptz) as as_of_at,
        'var' as as_of_origin
        {%- else -%}
        observed_at as as_of_at,
        'source_clock' as as_of_origin
        {%- endif %}
    from observed

)

select
    run_id,
    as_of_at,
    cast(as_of_at as date) as as_of_date,
    as_of_origin
from final
