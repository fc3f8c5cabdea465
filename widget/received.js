// The clinician's "Payment received" pop-up: it stays until dismissed, but it does not block
// the panel (a non-modal dialog at the foot of the panel): the clinician can keep requesting,
// cancelling and refunding meanwhile. A live region says it; focus moves to it only when that
// interrupts nothing (not while typing, nor from another dialog), and goes back on Dismiss.
import {cardLabel, h, reference, replace, typed} from "./dom.js";
import {currentLocale, t} from "./i18n.js";
import {money} from "./money.js";
import {sessionValue, setSessionValue} from "./session.js";

const TYPING = /^(INPUT|TEXTAREA|SELECT)$/;

/** The "Payment received" pop-ups of the clinician's panel, one at a time. */
export class ReceivedPopup {
  /** @param {import("./clinician.js").ClinicianView} view */
  constructor(view) {
    this.view = view;
    this.slot = h("div", {class: "pg-popup-slot"});
    this.dismissed = new Set(sessionValue(view.session, "dismissed", []));
    this.queue = [];
    /** @type {HTMLElement | null} where focus goes back to once every pop-up is dismissed */
    this.returnFocus = null;
  }

  /** Whether the request's pop-up is waiting to be dismissed (its list item says so). */
  pending(id) { return this.queue.some((r) => r.id === id); }

  /** Show the pop-up for a paid request, once, unless it was dismissed in this tab. */
  show(request, {announce = true} = {}) {
    if (this.dismissed.has(request.id) || this.pending(request.id)) return;
    this.queue.push(request);
    if (announce) this.view.announce(t("Payment received: {amount}, {description}.",
      {amount: money(request), description: request.description}));
    this.view.events.emit("payment-received", {request});
    this.render();
    this.view.renderList();
  }

  dismiss(id) {
    this.dismissed.add(id);
    setSessionValue(this.view.session, "dismissed", [...this.dismissed]);
    this.queue = this.queue.filter((r) => r.id !== id);
    this.render();
    this.view.renderList();
  }

  // Focus may move here from a button, the list or nowhere; never from a field being typed
  // in, another dialog, or the host page around a script-mounted panel.
  mayTakeFocus() {
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    if (!active || active === document.body) return true;
    if (!this.view.root.contains(active)) return false;
    return !TYPING.test(active.tagName) && !active.isContentEditable &&
      !active.closest(".pg-modal");
  }

  render() {
    const r = this.queue[0];
    const hadFocus = this.slot.contains(document.activeElement);
    if (!r) {
      replace(this.slot);
      const back = this.returnFocus;
      this.returnFocus = null;
      if (!hadFocus && document.activeElement !== document.body) return;
      if (back && back.isConnected) back.focus();
      else this.view.listTitle.focus();
      return;
    }
    const dismiss = h("button", {type: "button", class: "pg-btn pg-btn-primary pg-wide",
      onclick: () => this.dismiss(r.id)}, t("Dismiss"));
    const count = (n) => new Intl.NumberFormat(currentLocale()).format(n);
    const dialog = h("section", {class: "pg-dialog pg-popup", role: "dialog",
      "aria-labelledby": "pg-received-title", "aria-describedby": "pg-received-body",
      dataset: {requestId: r.id}},
      h("div", {class: "pg-popup-head"},
        h("div", {class: "pg-check", "aria-hidden": "true"}, "\u2713"),
        h("h2", {id: "pg-received-title", class: "pg-dialog-title"}, t("Payment received"))),
      h("dl", {id: "pg-received-body", class: "pg-facts"},
        h("dt", {}, t("Amount")), h("dd", {class: "pg-strong"}, money(r)),
        h("dt", {}, t("Description")), typed("dd", {}, r.description),
        h("dt", {}, t("Reference")), h("dd", {}, reference(r.reference)),
        r.card_last4 ? [h("dt", {}, t("Card")), h("dd", {}, cardLabel(r.card_brand, r.card_last4))]
          : null),
      this.queue.length > 1 ? h("p", {class: "pg-hint"}, t("{current} of {total}",
        {current: count(1), total: count(this.queue.length)})) : null,
      dismiss);
    // Escape dismisses it like the button; Tab moves on through the panel (not modal).
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); this.dismiss(r.id); }
    });
    replace(this.slot, dialog);
    if (hadFocus) { dismiss.focus(); return; }
    if (this.mayTakeFocus()) {
      if (!this.returnFocus) {
        this.returnFocus = /** @type {HTMLElement} */ (document.activeElement);
      }
      dismiss.focus();
    }
  }
}
