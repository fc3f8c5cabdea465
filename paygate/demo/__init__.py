"""`paygate demo`: one process with the sandbox Stripe, mail capture and a demo call room."""
