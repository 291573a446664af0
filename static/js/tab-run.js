// What this tab keeps so that a reload, Back/Forward or a reopened tab shows
// the same run: the session's id and, as a fallback for a server that has let
// the session go, the page's own copy (exact weights, counters, history,
// points, data). sessionStorage is per tab, so two tabs stay independent.
//
// Only a reload or a history step resumes: a link opened (typed, pasted,
// clicked) means "start what the link says", and a kept run whose settings
// are not the URL's is not this page's run.

import { weightsJson } from './contract.js';

const KEY = 'crease-tab-runs';
const RESUMING = new Set(['reload', 'back_forward']);
// Runs a tab keeps, one per URL of its history (most recent last): Back to an
// earlier link finds its run. Only the latest keeps a copy (storage is a few
// MB); a run pushed out is let go on the server.
const KEEP_RUNS = 4;

function navigationType() {
  return performance.getEntriesByType('navigation')[0]?.type ?? 'navigate';
}

function readRuns() {
  try {
    const runs = JSON.parse(window.sessionStorage.getItem(KEY) ?? '[]');
    return Array.isArray(runs) ? runs.filter((r) => typeof r?.id === 'string' && typeof r.query === 'string') : [];
  } catch {
    return [];
  }
}

function writeRuns(runs) {
  window.sessionStorage.setItem(KEY, JSON.stringify(runs));
}

/**
 * Write what the page holds (called when the page is hidden or left). A copy
 * too big for the browser's storage is left out: the id alone still resumes
 * from the server.
 */
export function keepRun(session, query) {
  const id = session.api.sessionId;
  const frame = session.frame;
  if (!id || !frame) return;
  const others = readRuns().filter((r) => r.id !== id && r.query !== query).map(({ id: i, query: q }) => ({ id: i, query: q }));
  const gone = others.slice(0, Math.max(0, others.length - (KEEP_RUNS - 1)));
  const kept = others.slice(gone.length);
  for (const r of gone) session.api.discard(r.id);
  const copy = {
    weights: weightsJson(frame.weights),
    counters: frame.counters,
    history: session.history,
    points: session.points,
    data: session.data,
    edited: session.edited,
    departure: session.departure,
  };
  try {
    writeRuns([...kept, { id, query, copy }]);
  } catch {
    try {
      writeRuns([...kept, { id, query }]);
    } catch {
      // no storage (a third-party frame): a reload starts afresh
    }
  }
}

/** The run this page load should resume ({id, query, copy?}), or null. */
export function keptRun(query) {
  if (!RESUMING.has(navigationType())) return null;
  return readRuns().findLast((r) => r.query === query) ?? null;
}

/**
 * This tab starts afresh at `query` (a link opened): the run it kept for
 * that URL can no longer be resumed, so the server may let it go now rather
 * than hold it until it expires. (A page still showing it, Back from the
 * browser's cache, recreates it from its own copy.)
 */
export function forgetKeptRun(api, query) {
  const runs = readRuns();
  for (const r of runs) if (r.query === query) api.discard(r.id);
  try {
    writeRuns(runs.filter((r) => r.query !== query));
  } catch {
    // no storage: nothing was kept
  }
}

// A duplicated tab starts with a copy of the original's sessionStorage, so both
// would drive one server session. Each tab answers for the session it holds;
// a tab resuming a session another one answers for goes on with its own copy.
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('crease-tabs') : null;
const ANSWER_MS = 500;

/** Answer other tabs' "who holds this session?" for this page's session. */
export function answerForSession(api) {
  channel?.addEventListener('message', (ev) => {
    if (ev.data?.ask && ev.data.ask === api.sessionId) channel.postMessage({ held: ev.data.ask });
  });
}

/** Whether another tab of this browser holds session `id` (asked now, answered within ANSWER_MS). */
export function heldElsewhere(id) {
  if (!channel) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer = null;
    const onMessage = (ev) => ev.data?.held === id && done(true);
    function done(held) {
      clearTimeout(timer);
      channel.removeEventListener('message', onMessage);
      resolve(held);
    }
    timer = setTimeout(() => done(false), ANSWER_MS);
    channel.addEventListener('message', onMessage);
    channel.postMessage({ ask: id });
  });
}

let leavingOnPurpose = false;

/** The page itself is about to navigate (opening a share file): no warning then. */
export function leaveOnPurpose() {
  leavingOnPurpose = true;
}

/** Whether leaving now loses work the URL cannot bring back (drawn or uploaded points). */
export function unsaved(session) {
  return !leavingOnPurpose && (session.data.source !== 'generated' || session.edited);
}
