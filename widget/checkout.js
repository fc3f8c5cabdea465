// Stripe.js on the clinic's connected account: the Payment Element and confirmPayment.
// Card details go from Stripe's iframe to Stripe; this code only ever sees the outcome.
// Its use of Stripe.js is checked against the official @stripe/stripe-js types
// (tests/foundation/test_widget_types.py).
import {failureLine, reasonFor} from "./declines.js";
import {h} from "./dom.js";
import {stripeLocale, t} from "./i18n.js";

/**
 * @typedef {import("@stripe/stripe-js").Stripe} Stripe
 * @typedef {import("@stripe/stripe-js").StripeConstructor} StripeConstructor
 * @typedef {import("@stripe/stripe-js").StripeElements} StripeElements
 * @typedef {import("@stripe/stripe-js").StripePaymentElement} StripePaymentElement
 * @typedef {import("@stripe/stripe-js").StripePaymentElementChangeEvent} ChangeEvent
 * @typedef {import("@stripe/stripe-js").StripeElementsOptionsClientSecret} ElementsOptions
 * @typedef {import("@stripe/stripe-js").StripeError} StripeError
 * @typedef {import("@stripe/stripe-js").PaymentIntent} PaymentIntent
 */

/**
 * What confirm() resolves: `message` is the reason in the panel's language, `line` what the
 * form shows (children for h()).
 * @typedef {{ok: true, intent: PaymentIntent}
 *   | {ok: false, message: string, line: unknown, code?: string,
 *      intent?: PaymentIntent | null}} Outcome
 */

/** @type {Promise<StripeConstructor> | null} */
let loading = null;

/**
 * Stripe.js, loaded once from `url`.
 * @param {string} url
 * @returns {Promise<StripeConstructor>} its `Stripe` constructor
 */
export function loadStripe(url) {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      const failed = () => {
        loading = null;
        script.remove();
        reject(new Error(t("The secure card form could not be loaded. Check your " +
          "connection and try again.")));
      };
      script.onload = () => window.Stripe ? resolve(window.Stripe) : failed();
      script.onerror = failed;
      document.head.append(script);
    });
  }
  return loading;
}

/** @type {ElementsOptions["appearance"]} */
const APPEARANCE = {theme: "stripe", variables: {colorPrimary: "#1d5fd1", colorText: "#1f2933",
  colorDanger: "#c62828", borderRadius: "8px",
  fontFamily: "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"}};

/** Stripe's Payment Element for one request, and its confirmPayment. */
export class Checkout {
  /**
   * @param {string} stripeJsUrl
   * @param {import("./types.js").PaymentRequest} detail GET .../payment-requests/{id}, with
   *   its client secret
   * @param {string} returnUrl where a redirect-based method brings the patient back
   */
  constructor(stripeJsUrl, detail, returnUrl) {
    this.url = stripeJsUrl;
    this.detail = detail;
    this.returnUrl = returnUrl;
    /** @type {Stripe | null} */
    this.stripe = null;
    /** @type {StripeElements | null} */
    this.elements = null;
    /** @type {StripePaymentElement | null} */
    this.element = null;
    /** @type {(() => void) | null} ends a wait for Try again when the checkout goes */
    this.abandon = null;
  }

  /**
   * Mounts the Payment Element in `container`; resolves once it is ready. If it fails to
   * load (Stripe.js blocked, the network, a wrong account: Stripe.js's `loaderror`), the
   * container says so with a Try again button, which mounts it afresh.
   * @param {HTMLElement} container
   * @param {(event: ChangeEvent) => void} [onChange]
   * @returns {Promise<void>}
   */
  async mount(container, onChange) {
    for (;;) {
      const failure = await this.attempt(container, onChange);
      if (!failure) {
        // After Try again: the form replaces the loading line and takes the focus it had.
        const line = container.querySelector(":scope > .pg-loading");
        if (line) { line.remove(); this.element?.focus(); }
        return;
      }
      if (!await this.offerRetry(container)) return;
    }
  }

  /**
   * One try at loading Stripe.js and mounting the element.
   * @param {HTMLElement} container
   * @param {(event: ChangeEvent) => void} [onChange]
   * @returns {Promise<StripeError | Error | null>} null once the element is ready
   */
  async attempt(container, onChange) {
    /** @type {StripeConstructor} */
    let Stripe;
    try {
      Stripe = await loadStripe(this.url);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    const {publishable_key: key, client_secret: clientSecret, stripe_account: account} =
      this.detail;
    if (!key || !clientSecret) return new Error("The request has no client secret to pay.");
    // Stripe words its card form and its decline messages in this locale.
    const locale = /** @type {import("@stripe/stripe-js").StripeElementLocale} */ (stripeLocale());
    const stripe = Stripe(key, {stripeAccount: account || undefined, locale});
    const elements = stripe.elements({clientSecret, appearance: APPEARANCE, locale});
    const element = elements.create("payment", {layout: "tabs"});
    Object.assign(this, {stripe, elements, element});
    if (onChange) element.on("change", onChange);
    return new Promise((resolve) => {
      element.on("ready", () => resolve(null));
      element.on("loaderror", (event) => resolve(event.error));
      element.mount(container);
    });
  }

  /**
   * Says the form could not load, in the panel's language, and waits for Try again.
   * @param {HTMLElement} container
   * @returns {Promise<boolean>} true to try again, false if the checkout went meanwhile
   */
  offerRetry(container) {
    this.destroy();
    return new Promise((resolve) => {
      const retry = h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-small",
        onclick: () => {
          this.abandon = null;
          const loading = h("p", {class: "pg-loading", tabindex: "-1"},
            t("Loading secure card form\u2026"));
          // The element mounts beside this line, which goes once Stripe's form is ready.
          container.replaceChildren(loading);
          loading.focus();
          resolve(true);
        }}, t("Try again"));
      container.replaceChildren(h("div", {class: "pg-form-error pg-load-error"},
        h("p", {role: "alert"}, t("The secure card form could not be loaded. Check your " +
          "connection and try again.")), retry));
      this.abandon = () => resolve(false);
    });
  }

  /** @returns {Promise<Outcome>} */
  async confirm() {
    const {stripe, elements} = this;
    if (!stripe || !elements) throw new Error("The Payment Element is not mounted.");
    const submitted = await elements.submit();
    if (submitted.error) {
      const message = reasonFor(submitted.error);
      return {ok: false, message, line: h("bdi", {}, message)};
    }
    const result = await stripe.confirmPayment({
      elements, redirect: "if_required",
      confirmParams: {return_url: this.returnUrl},
    });
    if (result.error) {
      const message = reasonFor(result.error);
      return {ok: false, message, line: failureLine(message), code: result.error.code,
        intent: result.error.payment_intent || null};
    }
    return {ok: true, intent: result.paymentIntent};
  }

  destroy() {
    try { this.element?.destroy(); } catch (err) { /* already gone */ }
    this.element = null;
    const abandon = this.abandon;
    this.abandon = null;
    abandon?.();
  }
}
