// A payment request's statuses as the widget groups them. The server is the authority
// (paygate/domain/payment_requests.py: OPEN, SETTLED); these sets mirror it for drawing.

/**
 * @typedef {"requested" | "processing" | "authorized" | "failed" | "paid" |
 *   "partially_refunded" | "refunded" | "cancelled" | "expired"} Status
 */

/** Still payable: the patient can pay it, the clinician can cancel it or send a link. */
export const OPEN = new Set(["requested", "processing", "failed"]);

/** Paid, and not yet refunded in full: the clinician can refund (the rest of) it. */
export const REFUNDABLE = new Set(["paid", "partially_refunded"]);

/** Ended without a payment: the patient was not charged. */
export const ENDED = new Set(["cancelled", "expired"]);

/**
 * @param {{status: string}} request a payment request as the API shows it
 * @returns {boolean} whether it is still open (payable)
 */
export function isOpen(request) {
  return OPEN.has(request.status);
}
