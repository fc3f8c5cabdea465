// paygate's JSON API with the access token; errors become ApiError with the server's words.
import {currentLocale, t} from "./i18n.js";

/** A refusal, with the server's code and words (and the field it names, if any). */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the service could not be reached
   * @param {string} code the error's `code` ("conflict", "invalid_amount", ...)
   * @param {string} message for a person, in the widget's locale
   * @param {string | null} [field] the request field it is about
   */
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

/** paygate's JSON API, as one person (the bearer of `token`). */
export class Api {
  /**
   * @param {string} base paygate's origin
   * @param {string | null} [token] the session's access token
   */
  constructor(base, token = null) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
  }

  /**
   * @param {string} method
   * @param {string} path "/api/v1/..."
   * @param {unknown} [body] sent as JSON
   * @param {Record<string, string>} [extraHeaders]
   * @returns {Promise<any>} the JSON answer; ApiError when refused or unreachable
   */
  async request(method, path, body, extraHeaders = {}) {
    /** @type {Record<string, string>} */
    const headers = {"Accept": "application/json", "Accept-Language": currentLocale(),
      ...extraHeaders};
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.base + path, {method, headers, credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (err) {
      throw new ApiError(0, "network", t("We could not reach the payment service. " +
        "Check your connection and try again."));
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = data.error || {};
      throw new ApiError(response.status, error.code || "error",
        error.message || t("Something went wrong. Please try again."), error.field);
    }
    return data;
  }

  /** @param {string} path @returns {Promise<any>} */
  get(path) { return this.request("GET", path); }
  /** @param {string} path @param {unknown} [body] @returns {Promise<any>} */
  post(path, body = {}) { return this.request("POST", path, body); }
}
