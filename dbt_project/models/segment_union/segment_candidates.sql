{#- Every segment model of models/marts/segments/, one row per (segment, customer). The list comes from dbt's graph
    at execution time, so a new seg_<name>.sql is picked up without touching this file. The graph is empty while
    dbt parses, so ref() cannot name these models: the union reads their relations directly, and this model lives
    outside models/marts so that the orchestrator builds it in a step after every segment model (see
    cdp_orchestration/segments/assets.py). -#}
{{ config(schema='marts', materialized='table') }}

{%- set segments = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.package_name == project_name
            and node.fqn[1:-1] == ['marts', 'segments'] -%}
        {%- do segments.append(node) -%}
    {%- endfor -%}
{%- endif %}

{% for node in segments | sort(attribute='name') -%}
select distinct
    '{{ node.config.meta.get("segment") or node.name | replace("seg_", "", 1) }}' as segment,
    cast(customer_id as varchar) as customer_id
from {{ api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) }}
where customer_id is not null
{% if not loop.last %}union all
{% endif -%}
{%- else -%}
select cast(null as varchar) as segment, cast(null as varchar) as customer_id
where 1 = 0
{%- endfor %}
