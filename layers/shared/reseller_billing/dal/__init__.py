"""Data access: the only code that talks to DynamoDB. One module per resource, as in functions/, over the
single table (items.py, the one place that knows the key layout). They take and return the domain and API
models of models/, with their versions; nothing outside dal/ sees a PynamoDB item."""
