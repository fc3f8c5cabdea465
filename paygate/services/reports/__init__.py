"""Payment reports: a clinic's or an organisation's payments, filtered, with totals."""
