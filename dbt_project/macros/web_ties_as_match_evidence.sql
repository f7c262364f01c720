{#- The web client stitching in identity.match_evidence (written by the nightly identity step, resolution/store.py,
    which gives it these rows' columns): each client, customer and kind of tie of `evidence` (web_client_evidence)
    as a row beside the scored pairs. `record_id_l` is the source record the tying event named (the email's owner for
    a checkout email), `record_id_r` is null: the other side is the browser, `client_id`. The tie is deterministic
    (probability 1, no match weight); `tied_by_event_id` is the first event that showed it. Replaced whole each time
    the evidence is built; the identity step keeps them when it resolves again in between. Without the table (the
    identity step has never run on this warehouse) the ties would go nowhere: that is an error, not a silent no-op. -#}
{% macro web_ties_as_match_evidence(evidence) -%}
    {%- if execute -%}
        {%- set target = adapter.get_relation(database=evidence.database, schema='identity', identifier='match_evidence') -%}
        {%- if target is none -%}
            {{ exceptions.raise_compiler_error(
                "identity.match_evidence is missing, so the web ties of " ~ evidence ~ " cannot be recorded: "
                ~ "run the identity step (cdp run) before building the web client evidence") }}
        {%- endif -%}
        {%- set ties -%}
        select
            record_id as record_id_l,
            cast(null as string) as record_id_r,
            cast(null as double) as match_weight,
            1.0 as match_probability,
            client_id,
            'web_' || match_type as match_type,
            first_event_id as tied_by_event_id,
            first_tied_at as tied_at,
            events
        from {{ evidence }}
        where record_id is not null
        {%- endset -%}
        {{ replace_rows(target, 'client_id is not null', ties) }}
    {%- endif -%}
{%- endmacro %}
