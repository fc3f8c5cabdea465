// The patient's panel: a "Pay now" prompt for each open request, the checkout (receipt email
// + Stripe's Payment Element), and the confirmation. The screen survives a reload: it is
// kept for this tab and checked against the snapshot the server sends.
import {Checkout} from "./checkout.js";
import {CheckoutNotice} from "./checkout-notice.js";
import {h, refundNote, replace, typed} from "./dom.js";
import {looksLikeEmail} from "./email.js";
import {N_, currentLocale, t} from "./i18n.js";
import {money} from "./money.js";
import {refundLine, renderDone} from "./patient-done.js";
import {sessionValue, setSessionValue} from "./session.js";
import {ENDED, OPEN as PAYABLE} from "./status.js";
// Settled requests stay in the patient's list after a refund, labelled for what happened.
const SETTLED_LABELS = {paid: N_("Paid"), partially_refunded: N_("Partly refunded"),
                        refunded: N_("Refunded")};

/** The patient's view of the call's payments (app.js mounts it; paypage.js narrows it). */
export class PatientView {
  /** @param {import("./types.js").ViewContext} context */
  constructor({root, api, session, options, events, book}) {
    this.root = root;
    this.api = api;
    this.session = session;
    this.options = options;
    this.events = events;
    this.book = book;
    /** @type {{name: string, id?: string}} home, checkout, done or ended (of request `id`) */
    this.screen = sessionValue(session, "screen", {name: "home"});
    this.checkout = null;  // the open checkout: its request, Stripe, and whether it is paying
    this.liveEl = h("p", {class: "pg-sr", role: "status", "aria-live": "polite",
      "aria-atomic": "true", "data-testid": "announcer"});
    this.body = h("div", {class: "pg-screen"});
    replace(this.root, this.body, this.liveEl);
    /** @type {HTMLElement | null} */
    this.lastFocus = null;
    this.root.addEventListener("focusin", (event) => {
      this.lastFocus = /** @type {HTMLElement} */ (event.target);
    });
    this.ready = false;
    replace(this.body, h("p", {class: "pg-loading"}, t("Loading\u2026")));
  }

  go(screen) {
    if (this.checkout && screen.name !== "checkout") {
      this.checkout.destroy();
      this.checkout = null;
    }
    this.screen = screen;
    setSessionValue(this.session, "screen", screen);
    this.render();
  }

  // A redraw must not drop keyboard focus to the top of the page: it returns to the same
  // control if it is still there, else to the new screen's first field or heading.
  render() {
    const inside = this.root.contains(document.activeElement);
    // Focus that fell to the page from a control of ours that went away still counts.
    const dropped = document.activeElement === document.body && this.lastFocus &&
      this.root.contains(this.lastFocus) === false;
    const active = /** @type {HTMLElement | null} */ (
      inside ? document.activeElement : dropped ? this.lastFocus : null);
    const key = active?.dataset?.focusKey;
    this.draw();
    if (!active || this.root.contains(document.activeElement)) return;
    const same = key && /** @type {HTMLElement | null} */ (
      this.body.querySelector(`[data-focus-key="${CSS.escape(key)}"]`));
    if (same) same.focus();
    else this.focusScreen();
  }

  focusScreen() {
    const target = /** @type {HTMLElement | null} */ (
      this.body.querySelector("[data-autofocus]") || this.body.querySelector("h2, h3"));
    if (!target) return;
    if (!target.hasAttribute("tabindex") && !/^(INPUT|BUTTON|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  announce(text) { this.liveEl.textContent = text; }

  draw() {
    const s = this.screen;
    const request = s.id ? this.book.get(s.id) : null;
    if (s.name === "checkout" && request && PAYABLE.has(request.status)) return this.renderCheckout(request);
    if (s.name === "done" && request && SETTLED_LABELS[request.status]) {
      return this.renderDone(request);
    }
    if ((s.name === "checkout" || s.name === "ended") && request &&
        ENDED.has(request.status)) return this.renderEnded(request);
    if (s.name === "checkout" && request && request.status === "paid") {
      return this.go({name: "done", id: request.id});
    }
    return this.renderHome();
  }

  // -- home: prompts ------------------------------------------------------------------
  renderHome() {
    const requests = this.book.list();
    const open = requests.filter((r) => PAYABLE.has(r.status));
    const paid = requests.filter((r) => SETTLED_LABELS[r.status]);
    const held = requests.filter((r) => r.status === "authorized");
    if (this.screen.name !== "home") {
      this.screen = {name: "home"};
      setSessionValue(this.session, "screen", this.screen);
    }
    const parts = [];
    if (!open.length) {
      parts.push(h("div", {class: "pg-idle"},
        h("div", {class: "pg-idle-icon", "aria-hidden": "true"}, "\u25CB"),
        h("h2", {class: "pg-title"}, t("No payment requested")),
        h("p", {class: "pg-muted"}, t("When your clinician requests a payment, it will " +
          "appear here."))));
    }
    for (const r of open) {
      const title = `pg-prompt-${r.id}`;
      parts.push(h("section", {class: "pg-card pg-prompt", dataset: {requestId: r.id},
        "aria-labelledby": title},
        h("h2", {id: title, class: "pg-eyebrow"},
          r.capture === "manual" ? t("Card hold requested") : t("Payment requested")),
        typed("p", {class: "pg-clinic"}, r.clinic_name),
        h("p", {class: "pg-big"}, money(r)),
        typed("p", {class: "pg-desc"}, r.description),
        r.capture === "manual" ? holdWording(r) : null,
        r.status === "processing" ? h("p", {class: "pg-muted"}, t("A payment is being processed."))
          : null,
        h("button", {type: "button", class: "pg-btn pg-btn-primary pg-wide",
          "data-autofocus": open.length === 1 ? "" : null, "data-focus-key": `pay:${r.id}`,
          onclick: () => this.go({name: "checkout", id: r.id})}, t("Pay now"))));
    }
    for (const r of held) {
      parts.push(h("section", {class: "pg-card pg-prompt", dataset: {requestId: r.id},
        "aria-label": t("Card hold")},
        h("p", {class: "pg-eyebrow"}, t("Card hold")),
        h("p", {class: "pg-big"}, money(r)),
        typed("p", {class: "pg-desc"}, r.description),
        h("p", {class: "pg-muted", "data-testid": "held"}, t("Up to {amount} is held on " +
          "your card. You'll be charged at the end of your consultation; the hold is " +
          "released if you are not charged.", {amount: money(r)}))));
    }
    if (paid.length) {
      parts.push(h("h3", {class: "pg-section"}, t("Paid in this call")),
        h("ul", {class: "pg-list"}, paid.map((r) => h("li", {class: "pg-item"},
          h("div", {class: "pg-item-top"}, h("span", {class: "pg-item-amount"}, money(r)),
            h("span", {class: "pg-pill pg-pill-ok"}, t(SETTLED_LABELS[r.status]))),
          typed("p", {class: "pg-item-desc"}, r.description),
          refundNote(r),
          h("button", {type: "button", class: "pg-link", "data-focus-key": `view:${r.id}`,
            onclick: () => this.go({name: "done", id: r.id})}, t("View payment details"))))));
    }
    replace(this.body, parts);
  }

  // -- checkout -----------------------------------------------------------------------
  async renderCheckout(request) {
    if (this.checkout && this.checkout.requestId === request.id) {
      this.updateCheckoutSummary(request);
      return;
    }
    const email = h("input", {id: "pg-email", name: "email", type: "email", class: "pg-input",
      autocomplete: "email", required: true, dir: "ltr", "data-autofocus": "",
      "aria-describedby": "pg-email-error",
      value: sessionValue(this.session, "email", this.session.user?.email || "")});
    const emailError = h("p", {id: "pg-email-error", class: "pg-field-error", role: "alert"});
    const cardSlot = h("div", {class: "pg-card-slot", role: "group",
      "aria-labelledby": "pg-card-label"}, h("p", {class: "pg-loading"},
      t("Loading secure card form\u2026")));
    const error = h("div", {class: "pg-form-error", role: "alert", "data-testid": "pay-error"});
    const pay = h("button", {type: "submit", class: "pg-btn pg-btn-primary pg-wide", disabled: true},
      payLabel(request));
    const form = h("form", {class: "pg-form", novalidate: true, "aria-label": t("Pay")},
      h("label", {for: "pg-email", class: "pg-label"}, t("Email for your receipt")),
      email, emailError,
      h("p", {class: "pg-label", id: "pg-card-label"}, t("Card details")),
      cardSlot, error, pay,
      h("p", {class: "pg-fine"}, t("Payments are processed securely by Stripe. Your card " +
        "details are never shared with the clinic.")));
    this.summaryEl = h("div", {class: "pg-summary"});
    const notice = new CheckoutNotice(this.api, request.id);
    const checkout = {requestId: request.id, paying: false, element: null,
      destroy: () => { notice.stop(); checkout.element?.destroy(); }};
    this.checkout = checkout;
    notice.start();
    // Busy only while this checkout pays; aria-disabled says so instead of a silent no.
    const back = h("button", {type: "button", class: "pg-link pg-back",
      onclick: () => { if (!checkout.paying) this.go({name: "home"}); }},
      h("span", {class: "pg-back-arrow", "aria-hidden": "true"}, "\u2190"), " ", t("Back"));
    replace(this.body, back,
      h("section", {class: "pg-card", "aria-labelledby": "pg-checkout-title"},
        h("h2", {id: "pg-checkout-title", class: "pg-sr"}, t("Checkout")),
        this.summaryEl, form));
    this.updateCheckoutSummary(request);
    email.addEventListener("input", () => {
      emailError.textContent = "";
      setSessionValue(this.session, "email", email.value);
    });

    let detail;
    try {
      detail = await this.api.get(`/api/v1/payment-requests/${encodeURIComponent(request.id)}`);
      if (!detail.client_secret) {
        this.book.apply(detail);
        return this.go({name: detail.status === "paid" ? "done" : "ended", id: request.id});
      }
      const stripe = new Checkout(this.options.stripe_js_url, detail,
        returnUrl(this.api.base, currentLocale()));
      checkout.element = stripe;
      cardSlot.replaceChildren();
      await stripe.mount(cardSlot, () => { error.textContent = ""; });
      if (this.checkout !== checkout) return stripe.destroy();
      checkout.stripe = stripe;
      pay.disabled = false;
    } catch (err) {
      cardSlot.replaceChildren();
      error.textContent = err.message;
      return;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (checkout.paying || this.checkout !== checkout) return;
      error.textContent = "";
      const address = email.value.trim();
      if (!looksLikeEmail(address)) {
        emailError.textContent = t("Enter a valid email address for your receipt.");
        email.focus();
        return;
      }
      this.setPaying(checkout, true, {pay, back, request});
      try {
        await this.api.post(`/api/v1/payment-requests/${encodeURIComponent(request.id)}/receipt`,
          {email: address, locale: currentLocale()});
        const outcome = await checkout.stripe.confirm();
        const settled = await this.refresh(request.id);
        if (settled && settled.status === "paid") return this.go({name: "done", id: request.id});
        if (settled && !PAYABLE.has(settled.status)) return this.go({name: "ended", id: request.id});
        if (!outcome.ok) {
          replace(error, outcome.line);
          this.events.emit("payment-failed", {request: settled || request,
            message: outcome.message});
          this.announce(t("Payment failed: {reason}", {reason: outcome.message}));
        } else {
          error.textContent = "";
          this.announce(t("Your payment is being processed."));
          pay.textContent = t("Processing\u2026");
          // The socket will say when Stripe decides; a failure frees this checkout again.
          checkout.failed = (failed) => {
            checkout.failed = null;
            error.textContent = failed.failure_message || t("The payment did not go through.");
            this.setPaying(checkout, false, {pay, back, request: failed});
          };
          return;
        }
      } catch (err) {
        if (err.code === "conflict" || err.status === 409) {
          const fresh = await this.refresh(request.id);
          if (fresh && !PAYABLE.has(fresh.status)) {
            return this.go({name: fresh.status === "paid" ? "done" : "ended", id: request.id});
          }
        }
        error.textContent = err.message;
      }
      this.setPaying(checkout, false, {pay, back, request});
    });
  }

  // aria-disabled, not disabled: a disabled button drops keyboard focus to the page.
  setPaying(checkout, paying, {pay, back, request}) {
    checkout.paying = paying;
    pay.setAttribute("aria-disabled", String(paying));
    pay.textContent = paying ? t("Processing\u2026") : payLabel(request);
    pay.setAttribute("aria-busy", String(paying));
    back.setAttribute("aria-disabled", String(paying));
  }

  updateCheckoutSummary(r) {
    if (!this.summaryEl) return;
    replace(this.summaryEl,
      typed("p", {class: "pg-clinic"}, r.clinic_name),
      h("p", {class: "pg-big"}, money(r)),
      typed("p", {class: "pg-desc"}, r.description));
  }

  async refresh(id) {
    try {
      const fresh = await this.api.post(`/api/v1/payment-requests/${encodeURIComponent(id)}/refresh`);
      this.book.apply(fresh);
      return this.book.get(id);
    } catch (err) {
      return this.book.get(id);
    }
  }

  // -- outcomes -----------------------------------------------------------------------
  /** @param {import("./types.js").PaymentRequest} r a settled request */
  renderDone(r) {
    return renderDone(this, r);
  }

  renderEnded(r) {
    const cancelled = r.status === "cancelled";
    replace(this.body, h("section", {class: "pg-card pg-ended", role: "status"},
      h("h2", {class: "pg-title"}, cancelled ? t("This payment request was cancelled")
        : t("This payment request has expired")),
      h("p", {class: "pg-muted"}, money(r), " \u00b7 ", h("bdi", {}, r.description)),
      h("p", {class: "pg-muted"}, cancelled
        ? t("Your clinician cancelled it. You have not been charged.")
        : t("It was not paid in time. You have not been charged.")),
      h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-wide",
        onclick: () => this.go({name: "home"})}, t("Back"))));
  }

  // -- what the socket says -----------------------------------------------------------
  snapshot() {
    this.ready = true;
    this.render();
  }

  changed(change) {
    if (!change) return;
    const {before, after} = change;
    this.events.emit("request-updated", {request: after});
    if (!before) {
      this.announce(t("Payment requested: {amount}, {description}.",
        {amount: money(after), description: after.description}));
    } else if (before.status !== after.status && PAYABLE.has(before.status)) {
      if (after.status === "cancelled") this.announce(t("This payment request was cancelled"));
      if (after.status === "expired") this.announce(t("This payment request has expired"));
    } else if (before.status !== after.status && after.status === "authorized") {
      this.announce(t("Up to {amount} is held on your card.", {amount: money(after)}));
    } else if (after.amount_refunded > (before.amount_refunded || 0)) {
      this.announce(refundLine(after));
    }
    const s = this.screen;
    if (before?.status === "authorized" && after.status === "paid" && s.name === "home") {
      return this.go({name: "done", id: after.id});  // the hold was charged: show for how much
    }
    if (s.name === "checkout" && s.id === after.id) {
      if (after.status === "paid") return this.go({name: "done", id: after.id});
      if (!PAYABLE.has(after.status)) return this.go({name: "ended", id: after.id});
      if (after.status === "failed" && this.checkout?.failed) this.checkout.failed(after);
      return this.updateCheckoutSummary(after);
    }
    if (s.name === "home" || (s.name === "done" && s.id === after.id)) this.render();
  }
}


/**
 * What a hold means for the patient, before they authorise it.
 * @param {import("./types.js").PaymentRequest} r
 * @returns {HTMLElement}
 */
function holdWording(r) {
  return h("p", {class: "pg-muted", "data-testid": "hold-wording"},
    t("You'll be charged up to {amount} at the end of your consultation; the hold is " +
      "released if you are not charged.", {amount: money(r)}));
}


/**
 * The checkout's button: pay now, or authorise a hold.
 * @param {import("./types.js").PaymentRequest} r
 * @returns {string}
 */
function payLabel(r) {
  return r.capture === "manual" ? t("Authorise up to {amount}", {amount: money(r)})
    : t("Pay {amount}", {amount: money(r)});
}

/**
 * Where Stripe sends the patient back after a method that leaves the page for their bank
 * (only a clinic that allows such methods offers them): paygate's return page, which reads
 * the result from Stripe. Nothing else goes in it: Stripe keeps this address.
 * @param {string} base paygate's origin
 * @param {string} locale
 * @returns {string}
 */
export function returnUrl(base, locale) {
  const url = new URL("/pay/return", base);
  url.searchParams.set("locale", locale);
  return url.toString();
}
