"""Admin pages: Configure > Client Payments, enablement cases, operator console. (issue 4)"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
