"""E-invoice tooling outside Lambda: the validator for tests and for people."""
