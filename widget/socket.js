// The call channel: a snapshot on every (re)connect, then notices. Reconnects with backoff;
// gives up only when the server says the credential is no good (4401: missing or expired,
// also sent to an open socket the moment its session expires; 4403: not this call), and
// then hands over to onRefused, which tells the person (a launch token works only once, so
// a new session needs a new launch from the host). 4429 (this session already has its cap
// of sockets open, e.g. many tabs, or old connections the server has not yet seen drop)
// is retried with the same backoff.

const PING_EVERY = 20000;
const SILENCE_LIMIT = 60000;

/**
 * What the call socket tells its owner.
 * @typedef {object} SocketHandlers
 * @property {(requests: import("./types.js").PaymentRequest[]) => void} onSnapshot every (re)connect
 * @property {(request: import("./types.js").PaymentRequest) => void} onUpdate a request changed
 * @property {(notice: import("./clinician.js").CheckoutNoticeMessage) => void}
 *   onCheckout the patient opened or left a checkout
 * @property {() => void} [onOptions] the clinic's payment options changed (clinicians)
 * @property {(state: string) => void} onState connecting, live, reconnecting, refused
 * @property {(code: number, reason: string) => void} onRefused the credential is no good
 */

/** The call's socket: snapshot, notices, reconnects. start() opens it, stop() ends it. */
export class CallSocket {
  /**
   * @param {string} base paygate's origin
   * @param {string} callId
   * @param {string} token the session's access token
   * @param {SocketHandlers} handlers
   */
  constructor(base, callId, token,
    {onSnapshot, onUpdate, onCheckout, onOptions, onState, onRefused}) {
    const url = new URL(`/api/v1/calls/${encodeURIComponent(callId)}/socket`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.url = url.toString();
    this.token = token;
    this.handlers = {onSnapshot, onUpdate, onCheckout, onOptions, onState, onRefused};
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    /** @type {Record<string, any>} */
    this.timers = {};
  }

  start() {
    this.closed = false;
    this._connect();
    this._onOnline = () => { if (!this.ws) this._reconnectNow(); };
    window.addEventListener("online", this._onOnline);
  }

  stop() {
    this.closed = true;
    window.removeEventListener("online", this._onOnline);
    Object.values(this.timers).forEach(clearTimeout);
    clearInterval(this.timers.ping);
    if (this.ws) this.ws.close(1000);
  }

  _state(state) { this.handlers.onState?.(state); }

  _connect() {
    this._state(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url, ["paygate.v1", `bearer.${this.token}`]);
    } catch (err) {
      this._scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this._heard();
      clearInterval(this.timers.ping);
      this.timers.ping = setInterval(() => this._send({type: "ping"}), PING_EVERY);
    };
    ws.onmessage = (event) => {
      this._heard();
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (message.type === "snapshot") {
        this.attempt = 0;
        this._state("live");
        this.handlers.onSnapshot?.(message.requests || []);
      } else if (message.type === "request.updated") {
        this.handlers.onUpdate?.(message.request);
      } else if (message.type === "patient.checkout") {
        this.handlers.onCheckout?.(message);
      } else if (message.type === "options.changed") {
        this.handlers.onOptions?.();
      }
    };
    ws.onclose = (event) => {
      clearInterval(this.timers.ping);
      clearTimeout(this.timers.silence);
      this.ws = null;
      if (this.closed) return;
      if (event.code === 4401 || event.code === 4403) {
        this.closed = true;
        this._state("refused");
        this.handlers.onRefused?.(event.code, event.reason);
        return;
      }
      this._scheduleReconnect();
    };
  }

  _send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  // No word from the server for a minute: the connection is dead even if nobody said so.
  _heard() {
    clearTimeout(this.timers.silence);
    this.timers.silence = setTimeout(() => this.ws?.close(4000), SILENCE_LIMIT);
  }

  _scheduleReconnect() {
    this._state("reconnecting");
    const base = Math.min(30000, 500 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * base / 2;
    this.attempt += 1;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this._connect(), delay);
  }

  _reconnectNow() {
    clearTimeout(this.timers.retry);
    this._connect();
  }
}

/**
 * A request as it was and as it is now (before is null for a new one).
 * @typedef {{before: import("./types.js").PaymentRequest | null, after: import("./types.js").PaymentRequest}} Change
 */

/** The call's requests as last heard: a notice never replaces a newer version. */
export class RequestBook {
  constructor() {
    /** @type {Map<string, import("./types.js").PaymentRequest>} */
    this.byId = new Map();
  }

  /**
   * @param {import("./types.js").PaymentRequest[]} list the socket's snapshot
   * @returns {Change[]}
   */
  snapshot(list) {
    const next = new Map();
    for (const request of list) {
      const known = this.byId.get(request.id);
      next.set(request.id, known && known.version > request.version ? known : request);
    }
    const changes = list.map((r) => ({before: this.byId.get(r.id) || null, after: next.get(r.id)}));
    this.byId = next;
    return changes;
  }

  /**
   * @param {import("./types.js").PaymentRequest} request
   * @returns {Change | null} null when it is not newer than what the book has
   */
  apply(request) {
    const before = this.byId.get(request.id) || null;
    if (before && before.version >= request.version) return null;
    this.byId.set(request.id, request);
    return {before, after: request};
  }

  /** @param {string} id @returns {import("./types.js").PaymentRequest | null} */
  get(id) { return this.byId.get(id) || null; }

  /** @returns {import("./types.js").PaymentRequest[]} newest first */
  list() {
    return [...this.byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
  }
}
