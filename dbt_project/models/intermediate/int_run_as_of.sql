-- The run's as-of time (CONTRACT §4): recency, lifecycle and birthdays are computed as of it.
-- The var `as_of` overrides; else the sources' clock (their HTTP Date headers): meta.sources_clock, the lower median
-- of each source's latest observation, so one wrong header cannot move it (warehouse/loads.py).

with

observed as (

    select * from {{ source('meta', 'sources_clock') }}

),

final as (

    select
        run_id,
        {% if var('as_of') -%}
        cast('{{ var("as_of") }}' as {{ sql_type('timestamptz') }}) as as_of_at,
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
