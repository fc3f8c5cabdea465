"""Pay by link: the email with a payment link, and the session the link opens."""
