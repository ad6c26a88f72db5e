"""Optimistic concurrency: a resource's version is its ETag; `If-Match` must name the current one."""

from __future__ import annotations

from reseller_billing.errors import ErrorCode, PreconditionFailedError


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, current_version: int) -> None:
    """412 unless `if_match` is absent, `*`, or names the current version."""
    if if_match is None or if_match.strip() == "*":
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if etag(current_version) not in tags:
        raise PreconditionFailedError(
            "the resource changed since you read it; GET it again and retry with its ETag",
            code=ErrorCode.PRECONDITION_FAILED,
        )
