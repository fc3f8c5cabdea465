/*
 * Stripe.js stand-in served by paygate's offline Stripe sandbox at /v3/.
 *
 * Same surface as the parts of Stripe.js paygate's widget uses, so the widget's code is
 * identical against real Stripe and the sandbox:
 *   Stripe(pk, {stripeAccount, locale}) -> stripe
 *   stripe.elements({clientSecret, appearance, locale}) -> elements
 *   elements.create('payment') -> element; element.mount(selectorOrNode), unmount(),
 *     destroy(), on('ready'|'loaderror'|'change'|'focus'|'blur', fn), off(), clear(), focus()
 *   elements.submit() -> Promise<{error}|{selectedPaymentMethod}>; elements.update() -> Promise;
 *   elements.getElement('payment')
 *   stripe.confirmPayment({elements, confirmParams, redirect}) -> Promise<{paymentIntent}|{error}>
 *   stripe.retrievePaymentIntent(clientSecret) -> Promise<{paymentIntent}|{error}>
 * Card fields live in an iframe served by the sandbox (another origin than the host page);
 * card data goes only from that iframe to the sandbox, the page only ever sees a pm_ id.
 */
(function () {
  "use strict";

  const SCRIPT = document.currentScript;
  const ORIGIN = SCRIPT ? new URL(SCRIPT.src).origin : window.location.origin;
  const API = ORIGIN + "/v1";
  let counter = 0;

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = "IntegrationError";
    }
  }

  function form(fields) {
    const body = new URLSearchParams();
    const add = (prefix, value) => {
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => add(`${prefix}[${i}]`, v));
      } else if (typeof value === "object") {
        for (const [k, v] of Object.entries(value)) add(prefix ? `${prefix}[${k}]` : k, v);
      } else {
        body.append(prefix, String(value));
      }
    };
    add("", fields);
    return body;
  }

  function intentId(clientSecret) {
    if (typeof clientSecret !== "string" || !clientSecret.includes("_secret_")) {
      throw new IntegrationError("Invalid value for clientSecret: it should be a client secret " +
        "of the form ${id}_secret_${secret}.");
    }
    return clientSecret.split("_secret_")[0];
  }

  class Emitter {
    constructor() { this._handlers = {}; }
    on(name, fn) { (this._handlers[name] = this._handlers[name] || []).push(fn); return this; }
    once(name, fn) {
      const wrap = (e) => { this.off(name, wrap); fn(e); };
      return this.on(name, wrap);
    }
    off(name, fn) {
      const list = this._handlers[name] || [];
      this._handlers[name] = fn ? list.filter((h) => h !== fn) : [];
      return this;
    }
    _emit(name, event) {
      for (const fn of (this._handlers[name] || []).slice()) {
        try { fn(event); } catch (err) { setTimeout(() => { throw err; }); }
      }
    }
  }

  class PaymentElement extends Emitter {
    constructor(elements, options) {
      super();
      this._elements = elements;
      this._options = options || {};
      this._id = `pe-${++counter}-${Math.random().toString(36).slice(2)}`;
      this._iframe = null;
      this._pending = new Map();
      this._state = {complete: false, empty: true};
      this._ready = false;
      this._onMessage = this._onMessage.bind(this);
    }

    mount(target) {
      const node = typeof target === "string" ? document.querySelector(target) : target;
      if (!node) {
        throw new IntegrationError(`The selector you specified (${target}) applies to no DOM ` +
          "elements that are currently on the page.");
      }
      if (this._iframe) this.unmount();
      const stripe = this._elements._stripe;
      const params = new URLSearchParams({
        id: this._id, origin: window.location.origin, key: stripe._key,
        locale: this._elements._locale || "auto",
      });
      if (stripe._account) params.set("account", stripe._account);
      const appearance = this._elements._appearance || {};
      const frame = document.createElement("iframe");
      frame.name = `__privateStripeFrame${counter}`;
      frame.title = "Secure payment input frame";
      frame.setAttribute("allow", "payment");
      frame.setAttribute("frameborder", "0");
      frame.style.cssText = "border:0;width:100%;height:190px;display:block;" +
        "overflow:hidden;color-scheme:normal;";
      frame.src = `${ORIGIN}/v3/elements/payment?${params}#` +
        encodeURIComponent(JSON.stringify(appearance));
      window.addEventListener("message", this._onMessage);
      node.appendChild(frame);
      this._iframe = frame;
      this._container = node;
      return this;
    }

    unmount() {
      window.removeEventListener("message", this._onMessage);
      if (this._iframe) this._iframe.remove();
      this._iframe = null;
      this._ready = false;
      return this;
    }

    destroy() {
      this.unmount();
      this._elements._payment = null;
      this._handlers = {};
    }

    update(options) { Object.assign(this._options, options || {}); return this; }
    focus() { this._send({type: "focus"}); return this; }
    blur() { this._send({type: "blur"}); return this; }
    clear() { this._send({type: "clear"}); return this; }

    _send(message) {
      if (this._iframe && this._iframe.contentWindow) {
        this._iframe.contentWindow.postMessage({...message, id: this._id}, ORIGIN);
      }
    }

    _request(message) {
      if (!this._iframe) {
        return Promise.reject(new IntegrationError("The Payment Element is not mounted."));
      }
      const requestId = `r${++counter}`;
      return new Promise((resolve) => {
        this._pending.set(requestId, resolve);
        this._send({...message, requestId});
      });
    }

    // An error of the API in the form's language, as Stripe.js words its errors.
    async _localize(error) {
      return this._iframe ? this._request({type: "localize", error}) : error;
    }

    _onMessage(event) {
      if (event.origin !== ORIGIN || !this._iframe ||
          event.source !== this._iframe.contentWindow) return;
      const data = event.data || {};
      if (data.id !== this._id) return;
      if (data.type === "ready") {
        this._ready = true;
        this._emit("ready", {elementType: "payment"});
      } else if (data.type === "loaderror") {
        this._emit("loaderror", {elementType: "payment", error: data.error});
      } else if (data.type === "change") {
        this._state = {complete: data.complete, empty: data.empty};
        // As Stripe.js's: no `error` (the form shows its own errors; submit() returns them).
        this._emit("change", {elementType: "payment", complete: data.complete, empty: data.empty,
          collapsed: false, value: {type: "card"}});
      } else if (data.type === "focus" || data.type === "blur") {
        this._emit(data.type, {elementType: "payment"});
      } else if (data.type === "resize") {
        this._iframe.style.height = `${Math.ceil(data.height)}px`;
      } else if (data.type === "response" && this._pending.has(data.requestId)) {
        const resolve = this._pending.get(data.requestId);
        this._pending.delete(data.requestId);
        resolve(data.result);
      }
    }
  }

  class Elements {
    constructor(stripe, options) {
      this._stripe = stripe;
      this._clientSecret = options.clientSecret;
      this._appearance = options.appearance;
      this._locale = options.locale || stripe._locale;
      this._payment = null;
    }

    create(type, options) {
      if (type !== "payment") {
        throw new IntegrationError(`This Stripe.js stand-in supports the 'payment' element ` +
          `only, not '${type}'.`);
      }
      if (this._payment) {
        throw new IntegrationError("Can only create one Element of type payment.");
      }
      this._payment = new PaymentElement(this, options);
      return this._payment;
    }

    getElement(type) { return type === "payment" ? this._payment : null; }

    // A Promise, as Stripe.js's (settled once the update is applied).
    async update(options) {
      if (options && options.appearance) this._appearance = options.appearance;
      if (options && options.locale) this._locale = options.locale;
    }

    // {error} or, as Stripe.js's, {selectedPaymentMethod} (the stand-in offers cards only).
    async submit() {
      if (!this._payment) return {error: {type: "validation_error", message: "No Payment Element."}};
      const result = await this._payment._request({type: "validate"});
      return result.error ? {error: result.error} : {selectedPaymentMethod: "card"};
    }

    async fetchUpdates() { return {}; }
  }

  class StripeSandbox {
    constructor(key, options) {
      if (typeof key !== "string" || !key.startsWith("pk_")) {
        throw new IntegrationError("Invalid value for Stripe(): apiKey should be a publishable " +
          `key (pk_...). You passed: ${key}.`);
      }
      this._key = key;
      this._account = (options && options.stripeAccount) || null;
      this._locale = (options && options.locale) || "auto";
    }

    elements(options) {
      return new Elements(this, options || {});
    }

    async _api(method, path, fields) {
      const base = {key: this._key};
      if (this._account) base._stripe_account = this._account;
      const body = form({...base, ...fields});
      let response;
      try {
        response = method === "GET"
          ? await fetch(`${API}${path}?${body}`, {method})
          : await fetch(`${API}${path}`, {method, body});
      } catch (err) {
        return {error: {type: "api_connection_error",
          message: "We could not reach Stripe. Please check your connection and try again."}};
      }
      const json = await response.json();
      return response.ok ? {data: json} : {error: json.error};
    }

    async retrievePaymentIntent(clientSecret) {
      const id = intentId(clientSecret);
      const result = await this._api("GET", `/payment_intents/${id}`, {client_secret: clientSecret});
      return result.error ? {error: result.error} : {paymentIntent: result.data};
    }

    async confirmPayment(options) {
      const {elements, confirmParams = {}, redirect = "always"} = options || {};
      const clientSecret = (options && options.clientSecret) || (elements && elements._clientSecret);
      if (!elements || !elements._payment) {
        throw new IntegrationError("stripe.confirmPayment(): expected an `elements` instance " +
          "with a mounted Payment Element.");
      }
      if (redirect !== "if_required" && !confirmParams.return_url) {
        throw new IntegrationError("stripe.confirmPayment(): the `confirmParams.return_url` " +
          "argument is required unless passing `redirect: 'if_required'`");
      }
      const id = intentId(clientSecret);
      const billing = confirmParams.payment_method_data &&
        confirmParams.payment_method_data.billing_details;
      const created = await elements._payment._request({type: "createPaymentMethod",
        billing_details: billing || null});
      if (created.error) return {error: created.error};

      const fields = {client_secret: clientSecret, payment_method: created.paymentMethod,
        // Cards authenticate in a modal (use_stripe_sdk), as Stripe.js does.
        use_stripe_sdk: "true",
        return_url: confirmParams.return_url, receipt_email: confirmParams.receipt_email,
        shipping: confirmParams.shipping, setup_future_usage: confirmParams.setup_future_usage,
        expand: ["payment_method"]};
      const confirmed = await this._api("POST", `/payment_intents/${id}/confirm`, fields);
      if (confirmed.error) return {error: await elements._payment._localize(confirmed.error)};
      let intent = confirmed.data;

      if (intent.status === "requires_action" && intent.next_action) {
        const action = intent.next_action;
        const url = action.type === "use_stripe_sdk" ? action.use_stripe_sdk.stripe_js
          : action.redirect_to_url && action.redirect_to_url.url;
        if (action.type === "redirect_to_url" && redirect !== "if_required") {
          window.location.assign(url);
          return new Promise(() => {});
        }
        await challenge(url);
        const again = await this.retrievePaymentIntent(clientSecret);
        if (again.error) return again;
        intent = again.paymentIntent;
      }
      if (intent.status === "requires_payment_method" && intent.last_payment_error) {
        const failed = await elements._payment._localize(intent.last_payment_error);
        return {error: {...failed, payment_intent: intent}};
      }
      if (redirect !== "if_required" && confirmParams.return_url) {
        const target = new URL(confirmParams.return_url, window.location.href);
        target.searchParams.set("payment_intent", intent.id);
        target.searchParams.set("payment_intent_client_secret", clientSecret);
        target.searchParams.set("redirect_status", intent.status === "succeeded" ? "succeeded"
          : intent.status);
        window.location.assign(target.toString());
        return new Promise(() => {});
      }
      return {paymentIntent: intent};
    }
  }

  // The issuer's 3-D Secure challenge in a modal, like Stripe.js shows it.
  function challenge(url) {
    return new Promise((resolve) => {
      const overlay = document.createElement("div");
      overlay.setAttribute("data-stripe-sandbox", "3ds-modal");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;display:flex;" +
        "align-items:center;justify-content:center;background:rgba(0,0,0,.45);";
      const frame = document.createElement("iframe");
      frame.title = "3D Secure authentication";
      frame.name = "stripe-challenge-frame";
      frame.src = url;
      frame.style.cssText = "width:min(480px,95vw);height:min(520px,90vh);border:0;" +
        "border-radius:8px;background:#fff;box-shadow:0 10px 40px rgba(0,0,0,.35);";
      overlay.appendChild(frame);
      const done = (event) => {
        if (event.origin !== ORIGIN || event.source !== frame.contentWindow) return;
        if (!event.data || event.data.type !== "paygate-sandbox-3ds") return;
        window.removeEventListener("message", done);
        overlay.remove();
        resolve(event.data.outcome);
      };
      window.addEventListener("message", done);
      document.body.appendChild(overlay);
    });
  }

  function Stripe(key, options) {
    return new StripeSandbox(key, options);
  }
  Stripe.version = 3;
  Stripe.sandbox = true;
  window.Stripe = Stripe;
})();
