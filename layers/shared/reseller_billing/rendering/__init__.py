"""Invoice artefacts rendered from the canonical invoice document: JSON, CSV and PDF."""
