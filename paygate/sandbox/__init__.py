"""Offline Stripe sandbox: a stateful emulation of the part of Stripe that paygate uses.

Start it with `create_sandbox_app(SandboxConfig(...))` or `paygate sandbox --port P`.
"""

from paygate.sandbox.config import SandboxConfig

__all__ = ["SandboxConfig"]
