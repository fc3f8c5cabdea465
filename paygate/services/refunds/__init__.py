"""Refunds of paid requests: the service, the book of one payment's refunds, Stripe's
refund webhooks, the refund email, the views, and a payment's detail page data.

Public to other features and the web: service (RefundService), views. book, webhooks,
receipts and payment_detail are this package's own (an import-linter contract)."""
