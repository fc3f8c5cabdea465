"""Adapters to what crosses a boundary: Stripe, SMTP, broadcast. Chosen by settings."""
