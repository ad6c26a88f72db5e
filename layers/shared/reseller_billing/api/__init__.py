"""HTTP edge shared by the API handlers: resolver, auth, errors, pagination, ETags, idempotency."""
