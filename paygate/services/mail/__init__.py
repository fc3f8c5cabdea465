"""Email: the outbox (queued in the transaction that causes it, sent with retries) and the
undelivered mail admins see.

Public to other features: outbox (Draft, Outbox). undelivered (UndeliveredMail) is the
admin pages' service: the runtime builds it and the web uses it, no other feature does
(an import-linter contract)."""
