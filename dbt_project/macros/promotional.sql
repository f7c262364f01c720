{#- Detractors are left out of promotional segments by default: run after each segment model (the segments folder's
    post-hook), it deletes the customers customer_360 marks as detractors (is_detractor: their last NPS answer within
    var detractor_days was 0-6) unless the segment declares `meta: {promotional: false}` (a service follow-up, the
    detractors themselves). One place for the rule, so a new segment is covered without a line of its own. -#}
{% macro leave_out_detractors() -%}
    {%- if model.config.meta.get('promotional', true) -%}
        {{ replace_rows(this, 'customer_id in (select customer_id from ' ~ ref('customer_360') ~ ' where is_detractor)') }}
    {%- endif -%}
{%- endmacro %}
