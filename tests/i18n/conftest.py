"""The payments tests' fixtures: a linked clinic and signed-in API clients."""

from tests.payments.conftest import clinic, login

__all__ = ["clinic", "login"]
