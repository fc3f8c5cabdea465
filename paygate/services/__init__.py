"""Use cases: what paygate does, expressed over the domain and the adapters."""
