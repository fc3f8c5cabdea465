// What the widget tells its host: `paygate:*` DOM events on the mount element, and the same
// posted to the parent window when the widget runs in an iframe.

/** The paygate:* events of one mounted widget. */
export class Events {
  /**
   * @param {Element} root the mount element the events are dispatched on
   * @param {string[]} [parentOrigins] the host origins they are also posted to when framed
   */
  constructor(root, parentOrigins = []) {
    this.root = root;
    this.parentOrigins = parentOrigins;
  }

  /**
   * Dispatch `paygate:${type}` with `detail`.
   * @param {string} type "ready", "request-created", "payment-received", ...
   * @param {Record<string, unknown>} [detail]
   */
  emit(type, detail = {}) {
    const name = `paygate:${type}`;
    this.root.dispatchEvent(new CustomEvent(name, {detail, bubbles: true, composed: true}));
    if (window.parent === window) return;
    for (const origin of this.parentOrigins) {
      try {
        window.parent.postMessage({source: "paygate", type: name, detail}, origin);
      } catch (err) { /* an origin that is not the parent's: the browser drops it */ }
    }
  }
}
