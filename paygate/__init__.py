"""paygate: real-time in-call payments for telehealth video calls."""

__version__ = "0.1.0"
