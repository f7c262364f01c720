"""Constants of the HubSpot APIs as the source uses them."""

CONTACT_PROPERTIES = [
    "email",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "date_of_birth",
    "address",
    "city",
    "zip",
    "country",
    "lifecyclestage",
    "hs_email_optout",
    "createdate",
    "lastmodifieddate",
]
# HubSpot has no built-in advertising consent: portals keep it in a custom contact property (Google's Customer Match
# signals ad_user_data / ad_personalization, a checkbox sent as "true"/"false"). Its name is the source's setting
# `ads_consent_property`; it lands in this column whatever the portal calls it, so the models need no setting.
ADS_CONSENT_PROPERTY = "ads_consent"
ADS_CONSENT_COLUMN = "ads_consent"
TICKET_PROPERTIES = [
    "subject",
    "content",
    "hs_pipeline_stage",
    "hs_ticket_priority",
    "createdate",
    "hs_lastmodifieddate",
]
FEEDBACK_PROPERTIES = [
    "hs_survey_id",
    "hs_survey_name",
    "hs_survey_type",
    "hs_survey_channel",
    "hs_submission_name",
    "hs_value",
    "hs_response_group",
    "hs_sentiment",
    "hs_content",
    "hs_submission_timestamp",
    "hs_createdate",
    "hs_lastmodifieddate",
]
LIST_PAGE_SIZE = 100  # objects list maximum
HISTORY_PAGE_SIZE = 50  # list page or batch read maximum when property history is asked for
# Read with its history (as is the advertising-consent property), for the time its current value was set: a consent's
# own time (any other edit moves the contact's updatedAt).
EMAIL_OPTOUT_PROPERTY = "hs_email_optout"
SEARCH_PAGE_SIZE = 200  # search maximum
# The search endpoint refuses to page past this many results; the source restarts the search from the
# last modification time it has seen instead.
SEARCH_RESULT_CAP = 10_000
EVENTS_PAGE_SIZE = 1000
START_DATE = "2000-01-01T00:00:00Z"
