// Why a card payment failed, in the panel's language, and the line that says so.
// Stripe.js words its errors in the locales it speaks (English and French of ours); for
// Persian and Bengali, which it does not, paygate says the common ones itself, by code.
import {h} from "./dom.js";
import {N_, stripeLocale, t, tx} from "./i18n.js";

// Stripe's decline_code, else its code -> Stripe's English wording, translated here.
const REASONS = {
  card_declined: N_("Your card was declined."),
  insufficient_funds: N_("Your card has insufficient funds."),
  expired_card: N_("Your card has expired."),
  incorrect_cvc: N_("Your card's security code is incorrect."),
  processing_error: N_("An error occurred while processing your card. Try again in a " +
    "little bit."),
  incorrect_number: N_("Your card number is incorrect."),
  payment_intent_authentication_failure: N_("We are unable to authenticate your payment " +
    "method. Please choose a different payment method and try again."),
  incomplete_number: N_("Your card number is incomplete."),
  invalid_number: N_("Your card number is invalid."),
  incomplete_expiry: N_("Your card's expiration date is incomplete."),
  invalid_expiry_month: N_("Your card's expiration date is invalid."),
  invalid_expiry_year_past: N_("Your card's expiration year is in the past."),
  incomplete_cvc: N_("Your card's security code is incomplete."),
  incomplete_zip: N_("Your postal code is incomplete."),
};

/**
 * The reason for a Stripe.js error a patient reads: Stripe's own message where Stripe.js
 * speaks the panel's language, else paygate's translation of a known code, else Stripe's.
 * @param {{message?: string, code?: string, decline_code?: string}} error
 * @returns {string}
 */
export function reasonFor(error) {
  const known = REASONS[error.decline_code] || REASONS[error.code];
  if (stripeLocale() === "auto" && known) return t(known);
  return error.message || t("The payment did not go through.");
}

/**
 * "The payment did not go through: Your card was declined." as children for h(): the
 * reason in a <bdi>, so an English reason in a right-to-left line keeps its own order
 * and its full stop at its end.
 * @param {string} reason
 */
export function failureLine(reason) {
  return tx("The payment did not go through: {reason}", {reason: h("bdi", {}, reason)});
}
