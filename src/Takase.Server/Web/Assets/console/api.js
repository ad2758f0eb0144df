// The operator API as the console uses it: every call carries the operator's key (when one was given) as a bearer
// token, and every failure becomes an ApiError carrying the HTTP status and the server's own message.

const KEY_STORAGE = 'takase.console.apiKey';

/** A failed call: status 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
}

export class OperatorApi {
  #key;

  constructor() {
    // sessionStorage: the key lives as long as this tab, and is never written to disk by the page.
    this.#key = sessionStorage.getItem(KEY_STORAGE) ?? '';
  }

  /** Uses this key from now on ('' for none) and keeps it for this tab. */
  useKey(key) {
    this.#key = key;
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  }

  /** Forgets the key (log out). */
  forgetKey() { this.useKey(''); }

  whoami() { return this.#call('GET', '/api/operator/whoami'); }

  /** status: open, waiting, answered, closed or all. */
  listTickets(status, limit = 200) {
    return this.#call('GET', `/api/operator/tickets?status=${encodeURIComponent(status)}&limit=${limit}`);
  }

  getTicket(id) { return this.#call('GET', ticketPath(id)); }

  answer(id, content, close) { return this.#call('POST', ticketPath(id, 'answer'), { content, close }); }

  /** assignee: a name, or null to put the ticket back in the queue. */
  /** Claims the ticket for `assignee` (409 naming the holder when another operator has it), takes it over with
   *  `force`, or puts it back in the queue with null. */
  assign(id, assignee, force = false) { return this.#call('POST', ticketPath(id, 'assign'), { assignee, force }); }

  close(id) { return this.#call('POST', ticketPath(id, 'close')); }

  /** rating: 'up', 'down' or 1..5. */
  rate(id, rating) { return this.#call('POST', ticketPath(id, 'rating'), { rating }); }

  regenerateDraft(id) { return this.#call('POST', ticketPath(id, 'draft')); }

  /** A draft by the named local or remote target (a second opinion). */
  requestDraft(id, target) { return this.#call('POST', ticketPath(id, 'draft'), { target }); }

  /** The local and remote targets an operator may ask for a draft. */
  targets() { return this.#call('GET', '/api/operator/targets'); }

  /** Of two targets' drafts on the ticket, chosen's is better than rejected's. */
  prefer(id, chosen, rejected) { return this.#call('POST', ticketPath(id, 'preference'), { chosen, rejected }); }

  /** Every norms profile's versions and the assignments (admin keys only). */
  norms() { return this.#call('GET', '/api/admin/norms'); }

  async #call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.#key) headers.Authorization = `Bearer ${this.#key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, `could not reach the server (${e.message})`, path);
    }
    const text = await response.text();
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { /* an error page that is not JSON: its text is the message */ }
    }
    if (!response.ok) throw new ApiError(response.status, errorMessage(json, text, response), path);
    return json;
  }
}

function ticketPath(id, action) {
  const base = `/api/operator/tickets/${encodeURIComponent(id)}`;
  return action ? `${base}/${action}` : base;
}

// Ollama-style {"error": "..."} or OpenAI-style {"error": {"message": "..."}}.
function errorMessage(json, text, response) {
  if (typeof json?.error === 'string') return json.error;
  if (typeof json?.error?.message === 'string') return json.error.message;
  return text.trim() || `${response.status} ${response.statusText}`;
}
