"""Billing rules as pure functions: no I/O, no boto3, no clock. See docs/billing-rules.md."""
