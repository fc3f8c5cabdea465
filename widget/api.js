// paygate's JSON API with the access token; errors become ApiError with the server's words.
import {currentLocale, t} from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

export class Api {
  constructor(base, token = null) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
  }

  async request(method, path, body, extraHeaders = {}) {
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

  get(path) { return this.request("GET", path); }
  post(path, body = {}) { return this.request("POST", path, body); }
}
