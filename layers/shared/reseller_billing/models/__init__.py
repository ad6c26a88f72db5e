"""Pydantic models: API input and output, and the canonical invoice document."""
