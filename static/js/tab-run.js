// What this tab keeps so that a reload, Back/Forward or a reopened tab shows
// the same run: the session's id and, as a fallback for a server that has let
// the session go, the page's own copy (exact weights, counters, history,
// points, data). sessionStorage is per tab, so two tabs stay independent.
//
// Only a reload or a history step resumes: a link opened (typed, pasted,
// clicked) means "start what the link says", and a kept run whose settings
// are not the URL's is not this page's run.

import { weightsJson } from './contract.js';

const KEY = 'crease-tab-run';
const RESUMING = new Set(['reload', 'back_forward']);

function navigationType() {
  return performance.getEntriesByType('navigation')[0]?.type ?? 'navigate';
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
  const record = { id, query };
  try {
    const copy = {
      weights: weightsJson(frame.weights),
      counters: frame.counters,
      history: session.history,
      points: session.points,
      data: session.data,
      edited: session.edited,
      departure: session.departure,
    };
    window.sessionStorage.setItem(KEY, JSON.stringify({ ...record, copy }));
  } catch {
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify(record));
    } catch {
      // no storage (a third-party frame): a reload starts afresh
    }
  }
}

/** The run this page load should resume ({id, query, copy?}), or null. */
export function keptRun(query) {
  if (!RESUMING.has(navigationType())) return null;
  let record = null;
  try {
    record = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
  return record && typeof record.id === 'string' && record.query === query ? record : null;
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
