from tests.payments.conftest import clinic, login

__all__ = ["clinic", "login"]
