"""Admin pages: Configure > Client Payments, enablement cases, operator console. (issue 4)"""

from __future__ import annotations

from starlette.routing import BaseRoute

from paygate.web.admin import (
    case_filing,
    cases,
    client_payments,
    disputes,
    home,
    host_events,
    onboarding,
    outbox,
    payouts,
    receipts,
    refunds,
    reports,
    session,
)


def routes() -> list[BaseRoute]:
    return [*session.routes(), *home.routes(), *client_payments.routes(),
            *onboarding.routes(), *cases.routes(), *case_filing.routes(),
            *reports.routes(), *outbox.routes(), *refunds.routes(),
            *host_events.routes(), *disputes.routes(), *payouts.routes(),
            *receipts.routes()]
