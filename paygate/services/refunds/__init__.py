"""Refunds of paid requests: the service, the book of one payment's refunds, Stripe's refund
webhooks, the refund email, the views, and a payment's detail page data."""
