-- One row per customer: the predictive traits the orchestrator's predictions step (predictive/) wrote between
-- identity resolution and the marts, as of the run's as-of time. Each is null with the reason beside it when the
-- customer is outside the prediction's population or the gate withheld it (it did not beat its baseline on the
-- backtest, or had too few examples); the model cards are in $CDP_HOME/predictive/<trait>/card.json.
{%- set traits = ['churn_probability', 'purchase_propensity_30d', 'predicted_value_120d', 'next_products'] %}

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

predictions as (

    select * from {{ source('predictive', 'customer_predictions') }}

)

select
    customers.customer_id,
    {% for trait in traits %}
    predictions.{{ trait }},
    -- a customer who came after the step ran has no row yet
    case
        when predictions.customer_id is null then 'not scored yet'
        else predictions.{{ trait }}_null_reason
    end as {{ trait }}_null_reason,
    {% endfor %}
    predictions.churn_top_reasons
from customers
left join predictions on customers.customer_id = predictions.customer_id
