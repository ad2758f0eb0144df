// The API as the playground and the dashboard call it: every call carries the key (when one was given) as a bearer
// token, kept in this tab's sessionStorage like the console's; every failure becomes the console's ApiError, carrying
// the HTTP status and the server's own message.

import { ApiError } from '../console/api.js';

export { ApiError };

export class PageApi {
  #storage;
  #key;

  /** storage: the sessionStorage entry that keeps this page's key. */
  constructor(storage) {
    this.#storage = storage;
    this.#key = sessionStorage.getItem(storage) ?? '';
  }

  /** Uses this key from now on ('' for none) and keeps it for this tab. */
  useKey(key) {
    this.#key = key;
    if (key) sessionStorage.setItem(this.#storage, key);
    else sessionStorage.removeItem(this.#storage);
  }

  get hasKey() { return this.#key !== ''; }

  /** A JSON call; resolves to the parsed body, or rejects with an ApiError. */
  async json(method, path, body, signal) {
    const response = await this.send(method, path, body, signal);
    if (!response.ok) throw await PageApi.failure(response, path);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  /** The raw response (for streams); rejects with an ApiError only when the server could not be reached. */
  async send(method, path, body, signal) {
    const headers = { Accept: 'application/json' };
    if (this.#key) headers.Authorization = `Bearer ${this.#key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        signal,
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, `could not reach the server (${e.message})`, path);
    }
  }

  /** The ApiError of a failed raw response, with the server's message. */
  static async failure(response, path) {
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return new ApiError(response.status, errorMessage(json, text, response), path);
  }
}

/**
 * Wires a page's key form (#key-form with #key-input and #key-error): shown when the server asks for a key (401) or
 * refuses this one (403); submitting keeps the key for the tab and calls `retry`.
 */
export function keyForm(api, retry) {
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  form.addEventListener('submit', event => {
    event.preventDefault();
    api.useKey(input.value.trim());
    input.value = '';
    retry();
  });
  return {
    /** Shows the form when `e` is 401/403 and returns true; otherwise leaves it and returns false. */
    handle(e) {
      if (e?.status !== 401 && e?.status !== 403) return false;
      form.hidden = false;
      error.textContent = e.status === 401
        ? (api.hasKey ? `This key was not accepted: ${e.message}` : 'This server requires an API key.')
        : `This key may not do this: ${e.message}`;
      return true;
    },
    /** Hides the form once calls succeed. */
    accepted() { form.hidden = true; error.textContent = ''; },
  };
}

// Ollama-style {"error": "..."} or OpenAI-style {"error": {"message": "..."}}.
function errorMessage(json, text, response) {
  if (typeof json?.error === 'string') return json.error;
  if (typeof json?.error?.message === 'string') return json.error.message;
  return text.trim() || `${response.status} ${response.statusText}`;
}
