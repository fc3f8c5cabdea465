"""Clinics: their settings and the add-on's enablement, their link to a Stripe account, and
enablement requests (cases).

Public to other features and the web: service (ClinicService).
stripe_links is this package's own: the service links and unlinks (an import-linter
contract)."""
