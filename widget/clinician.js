// The clinician's panel: request a payment, follow each request live (with "Patient is
// paying..." while the patient has its checkout open), and a "Payment received" pop-up that
// stays until dismissed without blocking the panel (widget/received.js).
import {cancelAction} from "./cancel.js";
import {cardLabel, formatTime, h, reference, refundNote, replace, typed} from "./dom.js";
import {N_, t, tx, zero} from "./i18n.js";
import {holdActions} from "./holds.js";
import {LineItems} from "./line-items.js";
import {amountIn, formatMoney, money, parseMajor} from "./money.js";
import {payLinkAction} from "./paylink.js";
import {ReceivedPopup} from "./received.js";
import {refundAction} from "./refunds.js";
import {sessionValue, setSessionValue} from "./session.js";

const AT_CHECKOUT = [N_("Patient is paying\u2026"), "active"];
const STATUS = {
  requested: [N_("Waiting for patient"), "pending"],
  processing: [N_("Processing"), "pending"],
  authorized: [N_("Card held: charge at the end"), "active"],
  paid: [N_("Paid"), "ok"],
  failed: [N_("Payment failed"), "bad"],
  cancelled: [N_("Cancelled"), "muted"],
  expired: [N_("Expired"), "muted"],
  refunded: [N_("Refunded"), "muted"],
  partially_refunded: [N_("Partly refunded"), "muted"],
};

/**
 * A status as the clinician's list names it ("Waiting for patient").
 * @param {string} status
 * @returns {string}
 */
export function statusLabel(status) {
  return STATUS[status] ? t(STATUS[status][0]) : status;
}

/**
 * The call socket's "patient.checkout" message.
 * @typedef {{request_id: string, open: boolean, seconds?: number}} CheckoutNoticeMessage
 */

/** The clinician's view of the call's payments (app.js mounts it). */
export class ClinicianView {
  /** @param {import("./types.js").ViewContext} context */
  constructor({root, api, session, options, events, book, callId}) {
    this.root = root;
    this.api = api;
    this.session = session;
    this.options = options;
    this.events = events;
    this.book = book;
    this.callId = callId;
    this.formOpen = sessionValue(session, "formOpen", false);
    this.draft = sessionValue(session, "draft", this.emptyDraft(options.default_currency));
    this.popup = new ReceivedPopup(this);
    this.atCheckout = new Map();  // request id -> timer: the patient has its checkout open
    this.cancelling = null;  // the open "Cancel this payment request?" dialog
    this.busy = false;
    this.build();
  }

  /**
   * A new request's form: the clinic's default request type (charge now, or hold).
   * @param {string} currency
   */
  emptyDraft(currency) {
    return {amount: "", currency, description: "",
      hold: this.options.default_capture === "manual"};
  }

  build() {
    this.listEl = h("ul", {class: "pg-list", "aria-labelledby": "pg-requests-title"});
    this.listTitle = h("h3", {id: "pg-requests-title", class: "pg-section", tabindex: "-1"},
      t("Requests in this call"));
    this.formSlot = h("div");
    this.noticeSlot = h("div");
    this.liveEl = h("p", {class: "pg-sr", role: "status", "aria-live": "polite",
      "aria-atomic": "true", "data-testid": "announcer"});
    replace(this.root,
      h("div", {class: "pg-toolbar"},
        h("h2", {class: "pg-title"}, t("Payments")),
        typed("span", {class: "pg-subtitle"}, this.options.clinic_name)),
      this.noticeSlot,
      this.formSlot,
      this.listTitle,
      this.listEl, this.liveEl, this.popup.slot);
    replace(this.noticeSlot, this.notReady());
    this.renderForm();
    this.renderList();
  }

  /**
   * The clinic's payment options as read again (Stripe paused or resumed card payments):
   * the notice and the form follow, a draft in progress is kept.
   * @param {import("./types.js").PaymentOptions} options
   */
  optionsChanged(options) {
    const wasReady = this.options.ready;
    this.options = options;
    replace(this.noticeSlot, this.notReady());
    if (wasReady !== options.ready) {
      this.renderForm();
      this.renderList();  // its actions (Charge, Cancel...) follow what the clinic may do
    }
  }

  notReady() {
    if (this.options.ready) return null;
    if (this.options.not_ready_code === "account_not_ready") {
      // Stripe paused the clinic's account: said in the panel's language, not the server's.
      return h("div", {class: "pg-notice pg-notice-warn", role: "status",
        "data-testid": "paused"},
        h("strong", {}, t("Card payments are paused for this clinic")),
        h("p", {}, t("Stripe needs more details about the clinic's account. A clinic " +
          "admin can see what in Configure > Client Payments.")));
    }
    return h("div", {class: "pg-notice pg-notice-warn", role: "status"},
      this.options.not_ready_reason);
  }

  // -- the request form ---------------------------------------------------------------
  renderForm({focus = false} = {}) {
    if (!this.options.ready) { replace(this.formSlot); return; }
    if (!this.formOpen) {
      const open = h("button", {type: "button", class: "pg-btn pg-btn-primary pg-wide",
        onclick: () => this.openForm()}, t("Request Payment"));
      replace(this.formSlot, open);
      if (focus) open.focus();
      return;
    }
    const currencies = this.options.currencies.map((c) => c.code);
    const currency = h("select", {id: "pg-currency", name: "currency", class: "pg-currency",
      "aria-label": t("Currency")},
      currencies.map((code) => h("option", {value: code, selected: code === this.draft.currency},
        code.toUpperCase())));
    const amount = h("input", {id: "pg-amount", name: "amount", class: "pg-input",
      inputmode: "decimal", autocomplete: "off", required: true, dir: "ltr",
      value: this.draft.amount, "aria-describedby": "pg-amount-hint pg-amount-error"});
    const description = h("textarea", {id: "pg-description", name: "description",
      class: "pg-input", rows: 3, required: true, maxlength: this.options.description_max,
      dir: "auto", "aria-describedby": "pg-description-hint pg-description-error"});
    description.value = this.draft.description;
    const amountHint = h("p", {id: "pg-amount-hint", class: "pg-hint"});
    const amountError = h("p", {id: "pg-amount-error", class: "pg-field-error", role: "alert"});
    const descriptionError = h("p", {id: "pg-description-error", class: "pg-field-error",
      role: "alert"});
    const formError = h("div", {class: "pg-form-error", role: "alert"});
    const hold = h("input", {id: "pg-hold", name: "hold", type: "checkbox",
      checked: Boolean(this.draft.hold)});
    const submitLabel = () => hold.checked ? t("Hold payment") : t("Request Payment");
    const submit = h("button", {type: "submit", class: "pg-btn pg-btn-primary"},
      submitLabel());
    const limit = (minor, info) => formatMoney(minor, info.code, info.exponent);
    const limits = () => {
      const info = this.options.currencies.find((c) => c.code === currency.value);
      amountHint.textContent = this.options.max_amount &&
        info.code === this.options.default_currency
        ? t("Minimum {minimum}, maximum {maximum}.", {minimum: limit(info.minimum, info),
          maximum: limit(this.options.max_amount, info)})
        : t("Minimum {minimum}.", {minimum: limit(info.minimum, info)});
      amount.placeholder = zero(info.exponent);
    };
    const saveDraft = () => {
      this.draft = {amount: amount.value, currency: currency.value,
        description: description.value, hold: hold.checked, ...lines.draft()};
      setSessionValue(this.session, "draft", this.draft);
    };
    const lines = new LineItems(this.draft, saveDraft);
    currency.addEventListener("change", () => { limits(); saveDraft(); });
    amount.addEventListener("input", () => { amountError.textContent = ""; saveDraft(); });
    description.addEventListener("input", () => { descriptionError.textContent = ""; saveDraft(); });
    hold.addEventListener("change", () => { submit.textContent = submitLabel(); saveDraft(); });
    limits();

    const form = h("form", {class: "pg-card pg-form", novalidate: true,
      "aria-labelledby": "pg-form-title"},
      h("h3", {id: "pg-form-title", class: "pg-card-title"}, t("Request a payment")),
      h("label", {for: "pg-amount", class: "pg-label"}, t("Amount")),
      h("div", {class: "pg-amount-row"}, currency, amount),
      amountHint, amountError,
      h("label", {for: "pg-description", class: "pg-label"}, t("Payment description")),
      description,
      h("p", {id: "pg-description-hint", class: "pg-hint"},
        t("What the payment is for, e.g. \u201cConsultation fee\u201d. The patient sees it " +
          "on their receipt: don\u2019t include clinical details or diagnoses.")),
      descriptionError,
      lines.el,
      h("div", {class: "pg-toggle"}, hold,
        h("label", {for: "pg-hold"}, t("Hold now, charge at the end of the consultation")),
        h("p", {class: "pg-hint"}, t("The patient's card is authorised for up to this " +
          "amount; you charge the final amount (or release the hold) when you finish."))),
      formError,
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet",
          onclick: () => this.closeForm()}, t("Cancel")),
        submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (this.busy) return;
      formError.textContent = "";
      const code = currency.value;
      const info = this.options.currencies.find((c) => c.code === code);
      const parsed = parseMajor(amount.value, code, info.exponent);
      let bad = false;
      if (!amount.value.trim()) {
        amountError.textContent = t("Enter an amount.");
        bad = true;
      } else if (parsed.error) {
        amountError.textContent = parsed.error;
        bad = true;
      } else if (parsed.minor < info.minimum) {
        amountError.textContent = t("The minimum amount is {amount}.",
          {amount: limit(info.minimum, info)});
        bad = true;
      } else if (this.options.max_amount && code === this.options.default_currency &&
                 parsed.minor > this.options.max_amount) {
        amountError.textContent = t("The maximum amount is {amount}.",
          {amount: limit(this.options.max_amount, info)});
        bad = true;
      }
      if (!description.value.trim()) {
        descriptionError.textContent = t("Enter a description of what the payment is for.");
        bad = true;
      }
      if (bad) {
        (amountError.textContent ? amount : description).focus();
        return;
      }
      const details = lines.body(parsed.minor, info);
      if (details.error) {
        lines.el.querySelector("input")?.focus();
        return;
      }
      this.busy = true;
      submit.disabled = true;
      submit.textContent = t("Requesting\u2026");
      try {
        const created = await this.api.post(
          `/api/v1/calls/${encodeURIComponent(this.callId)}/payment-requests`,
          {amount: parsed.minor, currency: code, description: description.value.trim(),
            capture: hold.checked ? "manual" : "automatic", ...details});
        this.book.apply(created);
        this.events.emit("request-created", {request: created});
        this.announce(hold.checked
          ? t("Hold of up to {amount} requested.", {amount: money(created)})
          : t("Payment of {amount} requested.", {amount: money(created)}));
        this.draft = this.emptyDraft(code);  // no lines
        setSessionValue(this.session, "draft", this.draft);
        this.closeForm();
        this.renderList();
      } catch (err) {
        if (/^(items|service_date)/.test(err.field || "")) {
          lines.show(err.message);
          submit.disabled = false;
          submit.textContent = submitLabel();
          return;
        }
        const target = err.field === "description" ? descriptionError
          : err.field === "amount" || err.code === "invalid_amount" ? amountError : formError;
        target.textContent = err.message;
        submit.disabled = false;
        submit.textContent = submitLabel();
      } finally {
        this.busy = false;
      }
    });
    replace(this.formSlot, form);
    amount.focus();
  }

  openForm() {
    this.formOpen = true;
    setSessionValue(this.session, "formOpen", true);
    this.renderForm();
  }

  closeForm() {
    this.formOpen = false;
    setSessionValue(this.session, "formOpen", false);
    this.renderForm({focus: true});
  }

  // -- the live list ------------------------------------------------------------------
  renderList() {
    const requests = this.book.list();
    const focused = this.listEl.contains(document.activeElement);
    if (!requests.length) {
      replace(this.listEl, h("li", {class: "pg-empty"}, t("No payment requests in this call yet.")));
    } else {
      replace(this.listEl, requests.map((r) => this.item(r)));
    }
    // A re-render must not drop keyboard focus to the top of the page.
    if (focused && !this.listEl.contains(document.activeElement)) this.listTitle.focus();
  }

  item(r) {
    const paying = r.status === "requested" && this.atCheckout.has(r.id);
    const [label, tone] = paying ? AT_CHECKOUT : STATUS[r.status] || [r.status, "muted"];
    const detail = r.status === "failed" && r.failure_message
      ? h("p", {class: "pg-item-note pg-bad"},
        tx("Last attempt failed: {reason} The patient can try again.",
          {reason: h("bdi", {}, r.failure_message)}))
      : r.status === "paid" && r.amount_paid != null && r.amount_paid < r.amount
        ? h("p", {class: "pg-item-note"}, t("Charged {paid} of the {held} held.",
          {paid: money(r), held: amountIn(r.amount, r.currency)}))
        : r.status === "paid" && r.card_last4
          ? h("p", {class: "pg-item-note"},
            tx("Paid with {card}", {card: cardLabel(r.card_brand, r.card_last4)}))
          : null;
    return h("li", {class: "pg-item", dataset: {requestId: r.id, status: r.status}},
      h("div", {class: "pg-item-top"},
        h("span", {class: "pg-item-amount"}, money(r)),
        h("span", {class: "pg-pills"},
          this.popup.pending(r.id) ? h("span", {class: "pg-pill pg-pill-new",
            "data-testid": "received"}, t("New")) : null,
          h("span", {class: `pg-pill pg-pill-${tone}`, "data-testid": "status"}, t(label)))),
      typed("p", {class: "pg-item-desc"}, r.description),
      h("p", {class: "pg-item-meta"}, reference(r.reference), " \u00b7 ",
        formatTime(r.created_at)),
      detail,
      refundNote(r),
      cancelAction(this, r),
      h("div", {class: "pg-item-actions"}, holdActions(this, r), payLinkAction(this, r),
        refundAction(this, r)));
  }

  announce(text) { this.liveEl.textContent = text; }

  // -- what the socket says -----------------------------------------------------------
  snapshot(changes) {
    const started = this.session.started_at || "";
    for (const {before, after} of changes) {
      // Paid while this panel was away (e.g. a reload): still worth the pop-up.
      if (after.status === "paid" &&
          (before ? before.status !== "paid" : (after.paid_at || "") >= started)) {
        this.popup.show(after);
      }
    }
    this.renderList();
  }

  changed(change) {
    if (!change) return;
    const {before, after} = change;
    this.renderList();
    this.events.emit("request-updated", {request: after});
    if (this.cancelling?.request.id === after.id) this.cancelling.changed(after);
    if (before && before.status === after.status) return;
    if (after.status === "paid" && !this.popup.dismissed.has(after.id)) {
      this.popup.show(after);  // says "Payment received: ..." itself
      return;
    }
    this.announce(t("{amount} {description}: {status}.", {amount: money(after),
      description: after.description, status: statusLabel(after.status)}));
  }

  /**
   * The patient's panel says it opened (or left) a checkout; each notice holds `seconds`.
   * @param {CheckoutNoticeMessage} notice
   */
  checkoutNotice({request_id: id, open, seconds}) {
    const was = this.atCheckout.has(id);
    clearTimeout(this.atCheckout.get(id));
    this.atCheckout.delete(id);
    if (open) {
      this.atCheckout.set(id, setTimeout(() => {
        this.atCheckout.delete(id);
        this.renderList();
      }, Math.max(1, Number(seconds) || 40) * 1000));
    }
    if (was === Boolean(open)) return;
    this.renderList();
    const r = this.book.get(id);
    if (open && r && r.status === "requested") {
      this.announce(t("The patient is paying {amount}, {description}.",
        {amount: money(r), description: r.description}));
    }
  }
}
