"""The rules of a SIM's status timeline: a history that only grows (no table needed)."""

from datetime import UTC, date, datetime

import pytest

from reseller_billing.billing.model import SimStatus
from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.logic.sims import check_status_change, with_status_change
from reseller_billing.models.sims import Sim, SimStatusChange, StatusChange
from tests.support.iccids import iccid

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def sim(*changes: tuple[SimStatus, date]) -> Sim:
    history = [StatusChange(status=SimStatus.ACTIVE, effective_date=date(2026, 10, 10))]
    history += [StatusChange(status=status, effective_date=day) for status, day in changes]
    return Sim(
        iccid=iccid(1),
        account_id="acc_1",
        customer_id="cus_1",
        product_id="prod_1",
        activation_date=date(2026, 10, 10),
        status=history[-1].status,
        history=history,
        created_at=NOW,
        updated_at=NOW,
    )


def change(status: SimStatus, day: date) -> SimStatusChange:
    return SimStatusChange(status=status, effective_date=day)


def test_a_change_is_appended_and_becomes_the_status():
    suspended = with_status_change(sim(), change(SimStatus.SUSPENDED, date(2026, 10, 20)), NOW)
    assert suspended.status is SimStatus.SUSPENDED
    assert [(c.status, c.effective_date) for c in suspended.history] == [
        (SimStatus.ACTIVE, date(2026, 10, 10)),
        (SimStatus.SUSPENDED, date(2026, 10, 20)),
    ]
    assert suspended.updated_at == NOW


@pytest.mark.parametrize(
    "status_change",
    [
        change(SimStatus.SUSPENDED, date(2026, 10, 10)),  # on the day of the previous change
        change(SimStatus.RETIRED, date(2026, 12, 1)),  # ahead of today: a scheduled change
    ],
)
def test_a_change_on_or_after_the_previous_one_is_allowed(status_change):
    check_status_change(sim(), status_change)


def test_a_change_before_the_previous_one_is_refused():
    with pytest.raises(UnprocessableError) as refused:
        check_status_change(
            sim((SimStatus.SUSPENDED, date(2026, 10, 20))), change(SimStatus.ACTIVE, date(2026, 10, 19))
        )
    assert refused.value.code is ErrorCode.INVALID_EFFECTIVE_DATE
    assert refused.value.details[0]["field"] == "effective_date"


def test_a_change_must_change_the_status():
    with pytest.raises(ConflictError) as refused:
        check_status_change(sim(), change(SimStatus.ACTIVE, date(2026, 11, 1)))
    assert refused.value.code is ErrorCode.STATUS_UNCHANGED


@pytest.mark.parametrize("status", [SimStatus.ACTIVE, SimStatus.SUSPENDED])
def test_retired_is_final(status):
    with pytest.raises(ConflictError) as refused:
        check_status_change(sim((SimStatus.RETIRED, date(2026, 10, 31))), change(status, date(2026, 11, 5)))
    assert refused.value.code is ErrorCode.SIM_RETIRED


def test_the_status_is_todays_and_later_changes_are_scheduled():
    retiring = sim((SimStatus.SUSPENDED, date(2026, 11, 1)), (SimStatus.RETIRED, date(2026, 12, 31)))
    today = retiring.as_of(date(2026, 11, 20))
    assert today.status is SimStatus.SUSPENDED
    assert [c.scheduled for c in today.history] == [False, False, True]
    assert retiring.as_of(date(2026, 12, 31)).status is SimStatus.RETIRED
    assert not any(c.scheduled for c in retiring.as_of(date(2026, 12, 31)).history)


def test_a_sim_activated_ahead_is_shown_active_with_its_activation_scheduled():
    ahead = sim().as_of(date(2026, 10, 1))
    assert ahead.status is SimStatus.ACTIVE
    assert [c.scheduled for c in ahead.history] == [True]


def test_a_scheduled_retirement_is_final_already():
    retiring = sim((SimStatus.RETIRED, date(2026, 12, 31))).as_of(date(2026, 11, 20))
    with pytest.raises(ConflictError, match="retires on 2026-12-31") as refused:
        check_status_change(retiring, change(SimStatus.SUSPENDED, date(2027, 1, 5)))
    assert refused.value.code is ErrorCode.SIM_RETIRED
