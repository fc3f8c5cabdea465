// Stripe.js on the clinic's connected account: the Payment Element and confirmPayment.
// Card details go from Stripe's iframe to Stripe; this code only ever sees the outcome.
import {failureLine, reasonFor} from "./declines.js";
import {h} from "./dom.js";
import {stripeLocale, t} from "./i18n.js";

/** @type {Promise<Function> | null} */
let loading = null;
// Stripe.js defines the global `Stripe` when it loads.
const scope = /** @type {Window & {Stripe?: Function}} */ (window);

/**
 * Stripe.js, loaded once from `url`.
 * @param {string} url
 * @returns {Promise<Function>} its `Stripe` constructor
 */
export function loadStripe(url) {
  if (scope.Stripe) return Promise.resolve(scope.Stripe);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => scope.Stripe ? resolve(scope.Stripe)
        : reject(new Error(t("Stripe.js did not load.")));
      script.onerror = () => {
        loading = null;
        script.remove();
        reject(new Error(t("The secure card form could not be loaded. Check your " +
          "connection and try again.")));
      };
      document.head.append(script);
    });
  }
  return loading;
}

const APPEARANCE = {theme: "stripe", variables: {colorPrimary: "#1d5fd1", colorText: "#1f2933",
  colorDanger: "#c62828", borderRadius: "8px",
  fontFamily: "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"}};

/** Stripe's Payment Element for one request, and its confirmPayment. */
export class Checkout {
  /**
   * @param {string} stripeJsUrl
   * @param {import("./types.js").PaymentRequest} detail GET .../payment-requests/{id}, with
   *   its client secret
   */
  constructor(stripeJsUrl, detail) {
    this.url = stripeJsUrl;
    this.detail = detail;
    this.element = null;
  }

  async mount(container, onChange) {
    const Stripe = await loadStripe(this.url);
    // Stripe words its card form and its decline messages in this locale.
    const locale = stripeLocale();
    this.stripe = Stripe(this.detail.publishable_key, {stripeAccount: this.detail.stripe_account,
      locale});
    this.elements = this.stripe.elements({clientSecret: this.detail.client_secret,
      appearance: APPEARANCE, locale});
    this.element = this.elements.create("payment", {layout: "tabs"});
    if (onChange) this.element.on("change", onChange);
    await new Promise((resolve) => {
      this.element.on("ready", resolve);
      this.element.mount(container);
    });
  }

  // {ok: true, intent} or {ok: false, message, line, intent?}: `message` is the reason in
  // the panel's language, `line` what the form shows (children for h()).
  async confirm() {
    const submitted = await this.elements.submit();
    if (submitted.error) {
      const message = reasonFor(submitted.error);
      return {ok: false, message, line: h("bdi", {}, message)};
    }
    const result = await this.stripe.confirmPayment({
      elements: this.elements, redirect: "if_required",
      confirmParams: {return_url: window.location.href},
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
  }
}
