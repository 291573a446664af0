// The HTTP client for docs/design.md's API. Three promises the rest of the page
// relies on: one request in flight at a time (requests queue in call order), a
// network error pauses and retries with back-off (and says so through
// onStatus), and a session the server no longer knows (404) is recreated from
// what the page holds (`recreate`), after which the original request is retried.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? null;
    this.field = body?.field ?? null;
    this.body = body;
  }
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds of server time from a `Server-Timing` header (sum of its durations), or null. */
export function serverMs(header) {
  if (!header) return null;
  let total = 0;
  let found = false;
  for (const m of header.matchAll(/dur=([\d.]+)/g)) {
    total += Number(m[1]);
    found = true;
  }
  return found ? total : null;
}

export class Api {
  /**
   * onStatus(kind, detail): kind is "retrying" ({attempt, delayMs, reason}),
   * "online" (after a retry succeeded) or "resumed" (a lost session was recreated).
   */
  constructor({ onStatus = () => {} } = {}) {
    this.sessionId = null;
    this.onStatus = onStatus;
    this.recreate = null; // async () => SessionCreate body (with "resume")
    this.onRecreated = null; // (answer {session, frame}) => void
    this.timing = null; // the last request's {sentAt, fetchMs, serverMs}
    this.busy = null; // the last answer's Crease-Busy and Crease-Headroom (server/busy.py, pacing.js)
    this._tail = Promise.resolve();
    this._pending = 0;
  }

  /** Requests queued or in flight. */
  get pending() {
    return this._pending;
  }

  _enqueue(task) {
    this._pending += 1;
    const run = this._tail.then(task, task).finally(() => {
      this._pending -= 1;
    });
    this._tail = run.catch(() => {});
    return run;
  }

  async _fetchWithRetry(method, path, body, contentType) {
    for (let attempt = 1; ; attempt++) {
      const sentAt = performance.now();
      let response;
      let reason;
      try {
        response = await fetch(path, {
          method,
          headers: body === undefined ? {} : { 'Content-Type': contentType },
          body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
        });
        this.busy = { load: response.headers.get('Crease-Busy'), headroom: response.headers.get('Crease-Headroom') };
        if (!RETRY_STATUSES.has(response.status)) {
          const data = response.status === 204 ? null : await response.json().catch(() => null);
          this.timing = {
            sentAt,
            fetchMs: performance.now() - sentAt,
            serverMs: serverMs(response.headers.get('Server-Timing')),
          };
          if (attempt > 1) this.onStatus('online', {});
          if (!response.ok) throw new ApiError(response.status, data);
          return data;
        }
        reason = response.status === 429 ? 'the server asks for fewer requests' : `HTTP ${response.status}`;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        reason = 'network error';
      }
      const retryAfter = Number(response?.headers.get('Retry-After'));
      const delayMs = retryAfter > 0 ? retryAfter * 1000 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      this.onStatus('retrying', { attempt, delayMs, reason });
      await sleep(delayMs);
    }
  }

  /** Any request, queued behind the one in flight. */
  request(method, path, body, contentType = 'application/json') {
    return this._enqueue(() => this._fetchWithRetry(method, path, body, contentType));
  }

  /** A request on the current session, recreating the session once if the server lost it. */
  sessionRequest(method, suffix, body) {
    return this._enqueue(async () => {
      const path = () => `/api/sessions/${encodeURIComponent(this.sessionId)}${suffix}`;
      try {
        return await this._fetchWithRetry(method, path(), body, 'application/json');
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404 || !this.recreate) throw err;
        const answer = await this._fetchWithRetry('POST', '/api/sessions', await this.recreate(), 'application/json');
        this.sessionId = answer.session;
        this.onRecreated?.(answer);
        this.onStatus('resumed', {});
        return this._fetchWithRetry(method, path(), body, 'application/json');
      }
    });
  }

  datasets() {
    return this.request('GET', '/api/datasets');
  }

  async create(body) {
    const answer = await this.request('POST', '/api/sessions', body);
    this.sessionId = answer.session;
    return answer;
  }

  advance(body) {
    return this.sessionRequest('POST', '/advance', body);
  }

  /** A frame of the current state drawn as `view` asks; nothing trains. */
  frame(body) {
    return this.sessionRequest('POST', '/frame', body);
  }

  patchTraining(body) {
    return this.sessionRequest('PATCH', '/training', body);
  }

  putNetwork(body) {
    return this.sessionRequest('PUT', '/network', body);
  }

  putData(body) {
    return this.sessionRequest('PUT', '/data', body);
  }

  reset(body) {
    return this.sessionRequest('POST', '/reset', body);
  }

  putWeights(body) {
    return this.sessionRequest('PUT', '/weights', body);
  }

  points(body) {
    return this.sessionRequest('POST', '/points', body);
  }

  checkDatafile(text) {
    return this.request('POST', '/api/datafile', text, 'text/plain');
  }

  /** Forget a session without waiting (a page that is closing cannot wait). */
  discard(sessionId) {
    if (!sessionId) return;
    fetch(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', keepalive: true }).catch(() => {});
  }
}
