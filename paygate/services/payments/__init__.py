"""Payment requests: creation, Stripe's word on them (webhooks), closing, the ledger, the
views both people in the call see, and the receipt email.

Public to other features and the web: service (PaymentService), ledger, views, receipts.
creation, closing and webhooks are this package's own (an import-linter contract)."""
