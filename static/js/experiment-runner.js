// Drives an experiment on the server (server/experiments.py): create it, then
// advance its parts in chunks of at most half a second of compute, one request
// at a time (the server runs one heavy request per client at once: a second
// would be answered 429), until every part is done or the user cancels.
// Progress is the sum over parts of the steps done, so the bar moves with every
// chunk; the time left is extrapolated from the wall-clock time so far.

import { RETRY_STATUSES } from './api.js';

const PARALLEL = 1;
const BUDGET_MS = 400;
// the page's retried answers, and 409: another request still holds the part
const EXPERIMENT_RETRY = new Set([409, ...RETRY_STATUSES]);

export class RequestError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One JSON request; busy, rate-limited or unavailable answers are retried with back-off. */
export async function call(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(500 * 2 ** attempt);
      continue;
    }
    // 429 says when to ask again (another heavy request of ours, or the class's, is running)
    if (EXPERIMENT_RETRY.has(response.status) && (attempt < 6 || response.status === 429)) {
      const after = Number(response.headers.get('Retry-After'));
      await sleep(after > 0 ? after * 1000 : 250 * 2 ** attempt);
      continue;
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new RequestError(response.status, data);
    return data;
  }
}

export class Runner {
  /**
   * onProgress({fraction, trialsDone, trials, secondsLeft, elapsed}); onTrialDone(id), awaited
   * between chunks, after a chunk that finished a trial; the promise of run() gives the results.
   */
  constructor({ onProgress = () => {}, onTrialDone = async () => {} } = {}) {
    this.onProgress = onProgress;
    this.onTrialDone = onTrialDone;
    this.id = null;
    this.cancelled = false;
    this.finished = false;
    this.inFlight = 0;
  }

  /** Started, neither cancelled nor finished: leaving the page cancels it. (A finished run
   * stays on the server until it expires, so its trials still open after Back.) */
  get running() {
    return this.id !== null && !this.cancelled && !this.finished;
  }

  async run(body) {
    this.cancelled = false;
    this.finished = false;
    const status = await call('POST', '/api/experiments', body);
    this.id = status.experiment;
    this.parts = new Map(status.parts.map((p) => [p.part, p]));
    this.started = performance.now();
    this._report();
    const queue = status.parts.filter((p) => !p.done).map((p) => p.part);
    const worker = async () => {
      while ((queue.length || this.inFlight) && !this.cancelled) {
        if (!queue.length) { // a part in flight may come back unfinished
          await sleep(20);
          continue;
        }
        const part = queue.shift();
        this.inFlight += 1;
        let answer;
        try {
          answer = await call('POST', `/api/experiments/${this.id}/advance`, { part, budget_ms: BUDGET_MS });
        } finally {
          this.inFlight -= 1;
        }
        if (this.cancelled) break; // what it did shows in the partial results, not in the bar
        const finished = answer.progress.trials_done > this.parts.get(part).progress.trials_done;
        this.parts.get(part).progress = answer.progress;
        this.parts.get(part).done = answer.done;
        if (!answer.done) queue.push(part); // round robin: every part moves
        this._report();
        // one request at a time: the trials are drawn between chunks
        if (finished && !this.cancelled) await this.onTrialDone(this.id).catch((err) => console.warn(err));
      }
    };
    // cancel() waits for this: the run's requests end before the partial results are asked
    this.pool = Promise.all(Array.from({ length: PARALLEL }, worker));
    try {
      await this.pool;
    } catch (err) {
      if (this.cancelled && err instanceof RequestError && err.status === 404) return null;
      throw err;
    }
    if (this.cancelled) return null;
    this.finished = true;
    return call('GET', `/api/experiments/${this.id}/results?grid=80`);
  }

  /** Stop, and return the results of the trials finished so far (null if there are none to read). */
  async cancel() {
    if (!this.id || this.cancelled) return null;
    this.cancelled = true;
    const id = this.id;
    this.id = null;
    // the chunk or drawing in flight ends first: a heavy request of ours still running
    // would have the results refused (429, one heavy request per address at a time)
    await this.pool?.catch(() => {});
    const partial = await call('GET', `/api/experiments/${id}/results?grid=80`).catch(() => null);
    await call('DELETE', `/api/experiments/${id}`).catch(() => {});
    return partial;
  }

  _report() {
    let done = 0;
    let total = 0;
    let trialsDone = 0;
    let trials = 0;
    for (const p of this.parts.values()) {
      done += p.progress.steps_done;
      total += p.progress.steps_total;
      trialsDone += p.progress.trials_done;
      trials += p.progress.trials;
    }
    const fraction = total ? done / total : 1;
    const elapsed = (performance.now() - this.started) / 1000;
    const secondsLeft = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : null;
    this.onProgress({ fraction, trialsDone, trials, elapsed, secondsLeft });
  }
}
