"""Mint a local JWT like the ones the Cognito user pool issues (HS256 with LOCAL_JWT_SECRET).

.venv/bin/python -m infra.local.tokens operator
.venv/bin/python -m infra.local.tokens reseller acc_01J...
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import jwt

# The design's local default secret is short; PyJWT warns about it on every token.
warnings.filterwarnings("ignore", category=jwt.warnings.InsecureKeyLengthWarning)

DEFAULT_SECRET = "local-dev-secret"


def mint(
    group: str, account_id: str | None = None, *, subject: str | None = None, ttl: int = 3600, secret: str | None = None
) -> str:
    claims: dict[str, object] = {
        "sub": subject or f"local-{group}-{account_id or 'user'}",
        "cognito:groups": [group],
        "exp": int(time.time()) + ttl,
    }
    if account_id:
        claims["custom:account_id"] = account_id
    return jwt.encode(claims, secret or os.environ.get("LOCAL_JWT_SECRET", DEFAULT_SECRET), algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("group", choices=["operator", "reseller"])
    parser.add_argument("account_id", nargs="?", help="the reseller user's account (custom:account_id)")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    args = parser.parse_args()
    if args.group == "reseller" and not args.account_id:
        parser.error("a reseller token needs the account id")
    print(mint(args.group, args.account_id, ttl=args.ttl))


if __name__ == "__main__":
    main()
