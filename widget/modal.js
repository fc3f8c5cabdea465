// A modal dialog over the clinician's panel (refund, payment link): focus moves in, Tab
// stays inside, Escape closes it, and focus returns to the button that opened it.
import {h, replace} from "./dom.js";

const FOCUSABLE = "button:not([disabled]), input:not([disabled]), select:not([disabled]), " +
  "textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/** One modal dialog, open until close(). */
export class Modal {
  /**
   * @param {Element} root the panel it covers
   * @param {{labelledBy: string, trigger: Element | null | (() => Element | null),
   *   onClose?: (() => void) | null}} options `trigger` is where focus goes back to
   */
  constructor(root, {labelledBy, trigger, onClose = null}) {
    this.trigger = trigger;
    this.onClose = onClose;
    this.box = h("div", {class: "pg-dialog pg-modal", role: "dialog", "aria-modal": "true",
      "aria-labelledby": labelledBy, tabindex: "-1"});
    this.overlay = h("div", {class: "pg-overlay"}, this.box);
    this.box.addEventListener("keydown", (event) => this.keydown(event));
    root.append(this.overlay);
  }

  /** @param {...unknown} children the dialog's content, as h() takes it */
  show(...children) {
    replace(this.box, ...children);
    // Nothing to focus yet (still loading): the dialog itself, so Escape reaches it.
    const first = /** @type {HTMLElement} */ (this.box.querySelector("[data-autofocus]") ||
      this.box.querySelector(FOCUSABLE) || this.box);
    first.focus();
  }

  keydown(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key !== "Tab") return;
    const items = [...this.box.querySelectorAll(FOCUSABLE)].map(
      (item) => /** @type {HTMLElement} */ (item));
    if (!items.length) return;
    const [first, last] = [items[0], items[items.length - 1]];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  close() {
    this.overlay.remove();
    // The list may have been redrawn meanwhile: `trigger` can find the button again.
    const back = typeof this.trigger === "function" ? this.trigger() : this.trigger;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
    this.onClose?.();
  }
}
