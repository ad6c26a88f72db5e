"""Use cases: what the API and the billing functions do, with no HTTP and no event formats."""
