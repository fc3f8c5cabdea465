"""Payment reports: a clinic's or an organisation's payments, filtered, with totals.

Public to the web: service (ReportService). It reads what the other features write and
no other feature imports it (an import-linter contract)."""
