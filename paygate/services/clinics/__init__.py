"""Clinics: their settings and the add-on's enablement, their link to a Stripe account, and
enablement requests (cases)."""
