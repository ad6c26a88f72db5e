"""Reseller billing: the shared domain package of the reseller billing service (the Lambda layer)."""
