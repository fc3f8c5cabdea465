"""Signed events to the host platform (Standard Webhooks): what paygate tells the host's
backend about each payment request, delivered at least once from the request's history.

Public to the runtime and the web: relay (HostEventRelay)."""
