"""What the ingestion queue carries: S3's notifications of uploads (keys URL-encoded), S3's test event, and
the service's own message to go on with a file."""

from __future__ import annotations

import json

from reseller_billing.integration.uploads import parse_upload_key, upload_key
from reseller_billing.logic.usage_files import files_in_message
from reseller_billing.models.messages import UsageFileMessage


def s3_event(*keys: str) -> str:
    records = [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key, "size": 10}}} for key in keys]
    return json.dumps({"Records": records})


def test_an_upload_notification_names_the_file_by_its_key():
    assert files_in_message(s3_event("uploads/acc_1/usf_2", "uploads%2Facc_3/usf_4")) == [
        UsageFileMessage(account_id="acc_1", file_id="usf_2"),
        UsageFileMessage(account_id="acc_3", file_id="usf_4"),
    ]


def test_keys_outside_the_upload_layout_are_ignored():
    assert files_in_message(s3_event("uploads/acc_1", "uploads/acc_1/usf_2/x", "rejections/acc_1/usf_2")) == []


def test_s3s_test_event_names_no_file():
    assert files_in_message(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})) == []


def test_the_services_own_message_goes_on_with_its_file():
    message = UsageFileMessage(account_id="acc_1", file_id="usf_2")
    assert files_in_message(message.model_dump_json()) == [message]


def test_an_upload_key_reads_back():
    assert parse_upload_key(upload_key("acc_1", "usf_2")) == ("acc_1", "usf_2")
    assert parse_upload_key("uploads//usf_2") is None
