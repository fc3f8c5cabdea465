"""Stripe webhooks: the inbox (verify, store, apply) and the reconciler for what webhooks alone
cannot promise."""
