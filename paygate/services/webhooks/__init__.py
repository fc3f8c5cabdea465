"""Stripe webhooks: the inbox (verify, store, apply) and the reconciler for what webhooks alone
cannot promise.

Public to other features: inbox (WebhookService, where each feature registers its
handlers). reconciler is the runtime's and `paygate reconcile`'s, no other feature's (an
import-linter contract)."""
