"""The reseller profile over time: a new profile's history, and what a PUT with another billing-cycle day
does to it (the rules themselves are tests/unit/billing/test_cycle_history.py)."""

from datetime import date

from reseller_billing.billing.cycles import BillingCycle
from reseller_billing.models.accounts import CycleDayEntry, InvoiceType, ResellerProfile, ResellerProfileState

PROFILE = ResellerProfile(customer_invoice_creation=True, customer_invoice_type=InvoiceType.BOTH, billing_cycle_day=5)
NEW = ResellerProfileState.first(PROFILE)


def entries(profile: ResellerProfileState) -> list[tuple[int, date | None]]:
    return [(e.billing_cycle_day, e.effective_from) for e in profile.billing_cycle_history]


def test_a_new_profile_has_its_day_since_ever_and_30_days_to_pay():
    assert entries(NEW) == [(5, None)]
    assert NEW.payment_terms_days == 30
    assert NEW.settings() == PROFILE


def test_another_day_takes_effect_after_the_running_cycle():
    changed = NEW.replaced_by(PROFILE.model_copy(update={"billing_cycle_day": 10}), date(2026, 11, 20))
    assert changed.billing_cycle_day == 10  # the day set last
    assert entries(changed) == [(5, None), (10, date(2026, 12, 5))]
    assert changed.schedule.cycle_containing(date(2026, 11, 20)) == BillingCycle(date(2026, 11, 5), date(2026, 12, 4))
    assert changed.schedule.cycle_billed_on(date(2026, 12, 10)) == BillingCycle(
        date(2026, 12, 5), date(2026, 12, 9), 31
    )


def test_other_settings_leave_the_history_alone():
    changed = NEW.replaced_by(PROFILE.model_copy(update={"billing_cycle_day": 10}), date(2026, 11, 20))
    prefixed = changed.settings().model_copy(update={"invoice_number_prefix": "NL-"})
    renamed = changed.replaced_by(prefixed, date(2026, 12, 7))
    assert renamed.billing_cycle_history == changed.billing_cycle_history
    assert renamed.invoice_number_prefix == "NL-"
    assert renamed.billing_cycle_history[1] == CycleDayEntry(billing_cycle_day=10, effective_from=date(2026, 12, 5))
