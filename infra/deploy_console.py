"""`make deploy-console STACK=<stack>`: the console's files (console/) to the stack's ConsoleBucket under
console/, its config.json from the stack's ConsoleConfig output, files no longer in the repository removed,
and the distribution's cache invalidated so browsers get the new files at once.

.venv/bin/python -m infra.deploy_console --stack reseller-billing [--region eu-west-1]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.pages import CONSOLE_DIR, CONTENT_TYPES

PREFIX = "console/"
# Files keep their names from one release to the next: browsers and CloudFront revalidate them (ETag).
CACHE_CONTROL = "no-cache"


@dataclass(frozen=True)
class ConsoleFile:
    key: str
    body: bytes
    content_type: str


def console_files(root: Path = CONSOLE_DIR) -> Iterator[ConsoleFile]:
    """Every file of the console as it goes to S3 (config.json is the stack's, not a file)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "config.json":
            content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
            yield ConsoleFile(f"{PREFIX}{path.relative_to(root).as_posix()}", path.read_bytes(), content_type)


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def upload(s3: Any, bucket: str, config: dict[str, Any], root: Path = CONSOLE_DIR) -> list[str]:
    """Put the console and its config.json; delete what is under console/ and no longer part of it.
    Answers the keys put."""
    files = [*console_files(root), ConsoleFile(f"{PREFIX}config.json", json.dumps(config).encode(), "application/json")]
    for item in files:
        s3.put_object(
            Bucket=bucket, Key=item.key, Body=item.body, ContentType=item.content_type, CacheControl=CACHE_CONTROL
        )
    keys = {item.key for item in files}
    stale = [
        {"Key": found["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
        for found in page.get("Contents", [])
        if found["Key"] not in keys
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000], "Quiet": True})
    return sorted(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, help="the CloudFormation stack of `make deploy`")
    parser.add_argument("--region", help="its region (default: the AWS configuration's)")
    args = parser.parse_args()

    import boto3

    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    keys = upload(session.client("s3"), outputs["ConsoleBucketName"], json.loads(outputs["ConsoleConfig"]))
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/console/*"]}, "CallerReference": str(time.time_ns())},
    )
    print(f"{len(keys)} files in s3://{outputs['ConsoleBucketName']}/{PREFIX}; the console: {outputs['ConsoleUrl']}")


if __name__ == "__main__":
    main()
