"""Email: the outbox (queued in the transaction that causes it, sent with retries) and the
undelivered mail admins see."""
