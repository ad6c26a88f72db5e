"""Data access: the only code that talks to DynamoDB (PynamoDB models of the single table)."""
