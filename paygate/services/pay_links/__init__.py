"""Pay by link: the email with a payment link, and the session the link opens.

Public to other features and the web: service (PayLinkService), scope (what a link's
session may do, and revoking links). mail is this package's own (an import-linter
contract)."""
