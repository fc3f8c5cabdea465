// The shapes the widget's modules hand each other, as JSDoc for editors and
// `tsc --checkJs` (tsconfig.json at the repository root). Nothing here runs.
// The server's models are the authority: paygate/services/payments/views.py
// (RequestView) and paygate/web/payments.py (CallOptionsOut, PaymentRequestOut).

/**
 * A payment request as the API and the call socket show it.
 * @typedef {object} PaymentRequest
 * @property {string} id
 * @property {string} reference "PAY-7Q2X9K"
 * @property {import("./status.js").Status} status
 * @property {number} amount integer minor units
 * @property {string} currency ISO 4217 code, lower case
 * @property {string} description
 * @property {string} clinic_name
 * @property {string | null} [card_brand]
 * @property {string | null} [card_last4]
 * @property {string | null} [failure_message]
 * @property {number} version
 * @property {string} created_at ISO 8601
 * @property {string} updated_at ISO 8601
 * @property {string | null} [paid_at] ISO 8601
 * @property {number} amount_refunded minor units refunded so far
 * @property {"automatic" | "manual"} [capture] manual: a hold, charged at the end
 * @property {number | null} [amount_paid] minor units charged, once paid
 * @property {string | null} [pay_link_until] ISO 8601, while a sent link is valid
 * @property {string | null} [client_secret] only in GET .../payment-requests/{id}
 * @property {string | null} [receipt_email] only in GET .../payment-requests/{id}
 * @property {string | null} [publishable_key] only in GET .../payment-requests/{id}
 * @property {string | null} [stripe_account] only in GET .../payment-requests/{id}
 */

/**
 * What GET /api/v1/calls/{id}/payment-options says about the call's clinic.
 * @typedef {object} PaymentOptions
 * @property {string} clinic_name
 * @property {string} default_currency
 * @property {number | null} max_amount
 * @property {number} pay_link_hours
 * @property {"automatic" | "manual"} default_capture what a new request is, as the clinic set it
 * @property {boolean} ready
 * @property {string | null} not_ready_reason
 * @property {string | null} [not_ready_code] "account_not_ready" while Stripe does not
 *   accept charges on the clinic's account
 * @property {number} description_max
 * @property {{code: string, exponent: number, minimum: number}[]} currencies
 * @property {string} stripe_js_url
 */

/**
 * The person's session for this tab, as POST /api/v1/sessions issued it.
 * @typedef {object} Session
 * @property {string} access_token
 * @property {string} expires_at ISO 8601
 * @property {"clinician" | "patient"} role
 * @property {{id: string, name: string, email: string | null}} [user]
 * @property {string} call_id
 * @property {string | null} [locale]
 * @property {string} key where this tab keeps the session's values
 * @property {string} started_at ISO 8601
 */

/**
 * What a role's view is handed when the widget mounts.
 * @typedef {object} ViewContext
 * @property {HTMLElement} root the element the view draws into
 * @property {import("./api.js").Api} api
 * @property {Session} session
 * @property {PaymentOptions} options
 * @property {import("./events.js").Events} events
 * @property {import("./socket.js").RequestBook} book
 * @property {string} [callId]
 */

export {};
