"""The checks a well-formed usage record must pass, given its SIM's registration (no table needed)."""

from datetime import UTC, date, datetime

import pytest

from reseller_billing.errors import UsageRejection
from reseller_billing.logic.usage import CLOCK_SKEW, check_record
from reseller_billing.models.sims import SimRegistration
from reseller_billing.models.usage import UsageRecord
from tests.support.iccids import iccid

ACCOUNT = "acc_1"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIM = SimRegistration(
    iccid=iccid(1),
    account_id=ACCOUNT,
    customer_id="cus_1",
    product_id="prod_1",
    activation_date=date(2026, 10, 10),
    retired_on=None,
)


def record(occurred_at: datetime) -> UsageRecord:
    body = {"record_id": "r-1", "iccid": iccid(1), "service": "DATA", "quantity": "1.5"}
    return UsageRecord.model_validate({**body, "occurred_at": occurred_at.isoformat()})


def reason(occurred_at: datetime, registration: SimRegistration | None = SIM) -> UsageRejection | None:
    rejection = check_record(record(occurred_at), registration, ACCOUNT, NOW)
    return rejection[0] if rejection else None


def test_a_record_of_an_active_sim_in_the_past_is_accepted():
    assert reason(datetime(2026, 10, 20, 8, 0, tzinfo=UTC)) is None


def test_an_iccid_no_one_registered_is_unknown():
    assert reason(datetime(2026, 10, 20, tzinfo=UTC), None) is UsageRejection.UNKNOWN_ICCID


def test_another_resellers_sim_answers_as_an_unknown_one():
    """Whose SIM an ICCID is stays unknown to other resellers: the answer and its message are the same."""
    theirs = SimRegistration(SIM.iccid, "acc_2", "cus_9", "prod_9", SIM.activation_date, None)
    assert check_record(record(datetime(2026, 10, 20, tzinfo=UTC)), theirs, ACCOUNT, NOW) == check_record(
        record(datetime(2026, 10, 20, tzinfo=UTC)), None, ACCOUNT, NOW
    )
    assert reason(datetime(2026, 10, 20, tzinfo=UTC), theirs) is UsageRejection.UNKNOWN_ICCID


def test_the_activation_day_counts_and_the_day_before_does_not():
    assert reason(datetime(2026, 10, 10, 0, 0, tzinfo=UTC)) is None
    assert reason(datetime(2026, 10, 9, 23, 59, 59, tzinfo=UTC)) is UsageRejection.BEFORE_ACTIVATION


def test_usage_stops_on_the_retirement_day():
    retired = SimRegistration(SIM.iccid, ACCOUNT, "cus_1", "prod_1", SIM.activation_date, date(2026, 11, 1))
    assert reason(datetime(2026, 10, 31, 23, 59, tzinfo=UTC), retired) is None
    assert reason(datetime(2026, 11, 1, 0, 0, tzinfo=UTC), retired) is UsageRejection.SIM_RETIRED


@pytest.mark.parametrize(
    ("ahead", "expected"), [(CLOCK_SKEW, None), (CLOCK_SKEW * 2, UsageRejection.INVALID_OCCURRED_AT)]
)
def test_a_clock_a_little_ahead_is_tolerated(ahead, expected):
    assert reason(NOW + ahead) is expected


def test_the_owner_is_checked_before_the_dates():
    """Another reseller's SIM is unknown, whatever its dates: nothing about it is revealed."""
    theirs = SimRegistration(SIM.iccid, "acc_2", "cus_9", "prod_9", date(2027, 1, 1), date(2027, 2, 1))
    assert reason(datetime(2026, 10, 20, tzinfo=UTC), theirs) is UsageRejection.UNKNOWN_ICCID
