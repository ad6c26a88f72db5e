"""The settings: one typed model read from the environment, each default written once."""

import pytest
from pydantic import ValidationError

from reseller_billing.settings import MissingSettingError, Settings


def test_defaults_when_nothing_is_set():
    settings = Settings.from_env({})
    assert settings.table_name == "reseller-billing"
    assert settings.region == "eu-west-1"
    assert settings.licensed_features == frozenset()
    assert (settings.presigned_url_ttl_seconds, settings.invoice_max_receive_count, settings.fanout_page_size) == (
        300,
        5,
        500,
    )


def test_variables_are_read_by_their_names():
    settings = Settings.from_env(
        {
            "TABLE_NAME": "t",
            "AWS_DEFAULT_REGION": "us-east-1",
            "ARTIFACTS_BUCKET": "b",
            "INVOICE_QUEUE_URL": "https://sqs/invoices",
            "LICENSED_FEATURES": " FT-3001.007 , FT-1,,",
            "PRESIGNED_URL_TTL_SECONDS": "120",
            "FANOUT_PAGE_SIZE": "40",
            "UNRELATED": "ignored",
        }
    )
    assert (settings.table_name, settings.region, settings.artifacts_bucket) == ("t", "us-east-1", "b")
    assert settings.invoice_queue == "https://sqs/invoices"
    assert settings.licensed_features == {"FT-3001.007", "FT-1"}
    assert settings.is_licensed("FT-3001.007")
    assert (settings.presigned_url_ttl_seconds, settings.fanout_page_size) == (120, 40)


def test_aws_region_wins_over_the_default_region_and_empty_counts_as_unset():
    assert Settings.from_env({"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-east-1"}).region == "eu-central-1"
    assert Settings.from_env({"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-1"}).region == "us-east-1"
    assert Settings.from_env({"LICENSED_FEATURES": ""}).licensed_features == frozenset()


@pytest.mark.parametrize("url", [None, ""])
def test_a_missing_queue_url_fails_loudly_where_it_is_used(url):
    env = {} if url is None else {"BILLING_FANOUT_QUEUE_URL": url}
    settings = Settings.from_env(env)
    with pytest.raises(MissingSettingError, match="BILLING_FANOUT_QUEUE_URL"):
        _ = settings.billing_fanout_queue
    with pytest.raises(MissingSettingError, match="INVOICE_QUEUE_URL"):
        _ = settings.invoice_queue


@pytest.mark.parametrize(
    "env", [{"PRESIGNED_URL_TTL_SECONDS": "3600"}, {"FANOUT_PAGE_SIZE": "many"}, {"INVOICE_MAX_RECEIVE_COUNT": "0"}]
)
def test_a_bad_value_fails_at_start(env):
    with pytest.raises(ValidationError):
        Settings.from_env(env)
