// What the widget tells its host: `paygate:*` DOM events on the mount element, and the same
// posted to the parent window when the widget runs in an iframe.

export class Events {
  constructor(root, parentOrigins = []) {
    this.root = root;
    this.parentOrigins = parentOrigins;
  }

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
