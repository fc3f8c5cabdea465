// Tells the call that the patient has a request's checkout open, so the clinician's panel
// shows "Patient is paying..." instead of guessing: once when it opens, again while it
// stays open (each notice holds for a while, so a closed tab clears itself), and once when
// the patient leaves it. A hint: a lost one costs nothing.

const REPEAT_MS = 15000;

/** The notices for one request's checkout: start() when it opens, stop() when it goes. */
export class CheckoutNotice {
  /** @param {import("./api.js").Api} api @param {string} requestId */
  constructor(api, requestId) {
    this.api = api;
    this.path = `/api/v1/payment-requests/${encodeURIComponent(requestId)}/checkout-notice`;
    this.timer = null;
    this.open = false;
  }

  /** The checkout is on screen: say so now and keep saying it until stop(). */
  start() {
    if (this.open) return;
    this.open = true;
    this.send(true);
  }

  /** The patient left the checkout (Back, paid, cancelled): say so once. */
  stop() {
    if (!this.open) return;
    this.open = false;
    clearTimeout(this.timer);
    this.send(false);
  }

  async send(open) {
    let repeat = REPEAT_MS;
    try {
      const answer = await this.api.post(this.path, {open});
      if (answer.repeat) repeat = answer.repeat * 1000;
    } catch (err) {
      // Not payable any more, or not ours: nothing more to say. Else try again later.
      if ([403, 404, 409].includes(err.status)) this.open = false;
    }
    if (open && this.open) this.timer = setTimeout(() => this.send(true), repeat);
  }
}
