// The HTTP client for docs/design.md's API. Three promises the rest of the page
// relies on: one request in flight at a time (requests queue in call order), a
// network error pauses and retries with back-off (and says so through
// onStatus), and a session the server no longer knows (404) is recreated from
// what the page holds (`recreate`), after which the original request is retried.
// Advances, a playing page's every frame, are fetched and decoded in a worker
// (frame-worker.js), so the main thread only draws.

import { decodeFrame } from './frame.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? null;
    this.field = body?.field ?? null;
    this.body = body;
  }
}

export const RETRY_STATUSES = new Set([429, 502, 503, 504]);
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

/**
 * One HTTP exchange as plain data (it may cross to a worker and back):
 * {status, ok, serverMs, retryAfter, busy, data, failure}. data: the JSON answer, or
 * null; with decode, a Frame answer comes back decoded (decodeFrame), or
 * failure says why it could not be. Throws on a network error only.
 */
export async function exchange({ method, path, body, contentType, decode = false }) {
  const response = await fetch(path, { method, headers: body === undefined ? {} : { 'Content-Type': contentType }, body });
  const answer = {
    status: response.status,
    ok: response.ok,
    serverMs: serverMs(response.headers.get('Server-Timing')),
    retryAfter: Number(response.headers.get('Retry-After')) || 0,
    busy: { load: response.headers.get('Crease-Busy'), headroom: response.headers.get('Crease-Headroom') },
    data: null,
    failure: null,
  };
  if (RETRY_STATUSES.has(response.status) || response.status === 204) return answer;
  answer.data = await response.json().catch(() => null);
  if (decode && response.ok) {
    try {
      answer.data = await decodeFrame(answer.data);
    } catch (err) {
      answer.failure = `this frame cannot be read: ${err.message}`;
    }
  }
  return answer;
}

/**
 * Exchanges run in frame-worker.js. The decoded frame's typed arrays come back
 * transferred, not copied; the page's main thread then spends nothing on the
 * response, the JSON or the base64 and inflating (a few ms a frame, while it
 * should be drawing). A worker that cannot start hands its requests back to
 * the page before any was sent; one that fails later fails the request it
 * held (never sent twice: an advance trains).
 */
class FrameWorker {
  /** A started worker, or null where the browser has none. */
  static start() {
    if (typeof Worker === 'undefined') return null;
    try {
      return new FrameWorker(new Worker(new URL('./frame-worker.js', import.meta.url), { type: 'module' }));
    } catch {
      return null;
    }
  }

  constructor(worker) {
    this.worker = worker;
    this.waiting = new Map(); // id -> {request, resolve, reject}
    this.nextId = 0;
    this.state = 'starting'; // 'ready' once its module runs; 'failed': everything on the page
    worker.onmessage = ({ data }) => this._answer(data);
    worker.onerror = (event) => this._failed(event);
  }

  send(request) {
    if (this.state === 'failed') return exchange(request);
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      this.waiting.set(id, { request, resolve, reject });
      this.worker.postMessage({ id, request });
    });
  }

  _answer({ id, ready, answer, networkError, failure }) {
    if (ready) {
      this.state = 'ready';
      return;
    }
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if (answer) waiting.resolve(answer);
    else if (networkError) waiting.reject(new TypeError(networkError));
    else waiting.resolve({ status: 0, ok: true, data: null, failure });
  }

  _failed(event) {
    event.preventDefault();
    const unsent = this.state === 'starting';
    this.state = 'failed';
    this.worker.terminate();
    for (const { request, resolve, reject } of this.waiting.values()) {
      if (unsent) exchange(request).then(resolve, reject);
      else resolve({ status: 0, ok: true, data: null, failure: `the frame worker failed: ${event.message}` });
    }
    this.waiting.clear();
  }
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

  /** Where advance frames are decoded: 'worker' once frame-worker.js runs, else 'page'. */
  get decodesIn() {
    return this._decoder?.state === 'ready' ? 'worker' : 'page';
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

  /** One exchange (see `exchange`): frames to decode go to the worker where there is one. */
  exchange(request) {
    if (request.decode) {
      this._decoder ??= FrameWorker.start();
      if (this._decoder) return this._decoder.send(request);
    }
    return exchange(request);
  }

  async _fetchWithRetry(method, path, body, contentType, decode = false) {
    const text = body === undefined || contentType !== 'application/json' ? body : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const sentAt = performance.now();
      let answer = null;
      try {
        answer = await this.exchange({ method, path, body: text, contentType, decode });
      } catch {
        // a network error: retried below
      }
      if (answer) this.busy = answer.busy;
      if (answer && !RETRY_STATUSES.has(answer.status)) {
        this.timing = { sentAt, fetchMs: performance.now() - sentAt, serverMs: answer.serverMs };
        if (attempt > 1) this.onStatus('online', {});
        if (!answer.ok) throw new ApiError(answer.status, answer.data);
        if (answer.failure) throw new Error(answer.failure); // a frame the page cannot read: retrying won't help
        return answer.data;
      }
      const reason = !answer ? 'network error' : answer.status === 429 ? 'the server asks for fewer requests' : `HTTP ${answer.status}`;
      const delayMs = answer?.retryAfter > 0 ? answer.retryAfter * 1000 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      this.onStatus('retrying', { attempt, delayMs, reason });
      await sleep(delayMs);
    }
  }

  /** Any request, queued behind the one in flight. */
  request(method, path, body, contentType = 'application/json') {
    return this._enqueue(() => this._fetchWithRetry(method, path, body, contentType));
  }

  /** A request on the current session, recreating the session once if the server lost it. */
  sessionRequest(method, suffix, body, { decode = false } = {}) {
    return this._enqueue(async () => {
      const path = () => `/api/sessions/${encodeURIComponent(this.sessionId)}${suffix}`;
      try {
        return await this._fetchWithRetry(method, path(), body, 'application/json', decode);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404 || !this.recreate) throw err;
        const answer = await this._fetchWithRetry('POST', '/api/sessions', await this.recreate(), 'application/json');
        this.sessionId = answer.session;
        this.onRecreated?.(answer);
        this.onStatus('resumed', {});
        return this._fetchWithRetry(method, path(), body, 'application/json', decode);
      }
    });
  }

  /** Resolves once every request queued so far has been answered. */
  settled() {
    return this._enqueue(async () => {});
  }

  datasets() {
    return this.request('GET', '/api/datasets');
  }

  async create(body) {
    const answer = await this.request('POST', '/api/sessions', body);
    this.sessionId = answer.session;
    return answer;
  }

  /** The Frame after advancing, already decoded (frame.js's decodeFrame). */
  advance(body) {
    return this.sessionRequest('POST', '/advance', body, { decode: true });
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
