"""Pydantic models: API input and output, the canonical invoice document, the domain records the data
access layer returns, and the messages and events of the billing path."""
