"""Values of the marts shown in words: each group maps a stored value to its English text, translated when shown.
A value not listed here is shown as stored."""

from __future__ import annotations

from cdp_orchestration.console.i18n import N_, Localizer

WORDS: dict[str, dict[str, str]] = {
    "channel": {"online": N_("online"), "in_store": N_("in store"), "email": N_("email"), "crm": N_("CRM"),
                "support": N_("support"), "advertising": N_("advertising")},
    "stage": {"lead": N_("lead"), "new": N_("new"), "active": N_("active"), "at_risk": N_("at risk"),
              "lapsed": N_("lapsed")},
    "event": {"order_placed": N_("order placed"), "checkout_abandoned": N_("cart abandoned"),
              "signed_up": N_("signed up"), "email_sent": N_("email sent"), "email_delivered": N_("email delivered"),
              "email_opened": N_("email opened"), "email_clicked": N_("email clicked"),
              "email_bounced": N_("email bounced"), "email_unsubscribed": N_("unsubscribed from email"),
              "ticket_opened": N_("support ticket opened"), "consent_granted": N_("email consent given"),
              "consent_withdrawn": N_("email consent withdrawn"),
              "consent_ads_granted": N_("advertising consent given"),
              "consent_ads_withdrawn": N_("advertising consent withdrawn")},
    "consent": {"email_consent": N_("email consent"), "ads_consent": N_("advertising consent")},
    "action": {"add": N_("added"), "update": N_("updated"), "remove": N_("removed"), "held_out": N_("held out"),
               "holdout": N_("held out")},
    "status": {"sent": N_("sent"), "failed": N_("failed"), "skipped": N_("skipped"), "pending": N_("pending")},
    "change": {"merge": N_("merged"), "split": N_("split"), "erase": N_("erased")},
    "strength": {"agrees": N_("agrees"), "partly": N_("partly agrees"), "differs": N_("differs"),
                 "missing": N_("missing")},
    "nps": {"promoter": N_("promoter"), "passive": N_("passive"), "detractor": N_("detractor")},
    "decision": {"same": N_("same person"), "different": N_("not the same person")},
    "role": {"admin": N_("admin"), "analyst": N_("analyst"), "marketer": N_("marketer")},
    "store": {"online": N_("Online shop")},
    "place": {"unknown": N_("unknown")},
    "country": {"unknown": N_("unknown")},
}  # fmt: skip


def word(l10n: Localizer, group: str, value: object) -> str:
    if value is None:
        return "—"
    text = WORDS[group].get(str(value))
    if text:
        return l10n.gettext(text)
    if group == "country":
        return l10n.country(str(value)) or "—"
    return str(value)
