// A snapshot: what a share link carries beyond the settings when the user asks
// for it: the current weights (exact, as the server holds them), the counters
// and history, and the data when they are not the generated set the settings
// describe: the edits (points removed from and added to that set, which keeps
// a link with a few drawn points short) or, for an uploaded file, every point.
//
// In a link it travels in the URL fragment (#snap=...), never sent to the
// server: JSON, deflate-raw (CompressionStream), base64url. A link that would
// pass MAX_LINK_LENGTH becomes a file instead ({format: 'crease-share'}), which
// the page opens through the same path.

import { createBody, dataBody, pointsBody } from './contract.js';

export const SNAPSHOT_VERSION = 1;
export const MAX_LINK_LENGTH = 8000; // what mail, chat and LMS text fields pass intact
// What a page opens from a #snap= fragment (the biggest run a server allows is a
// few MB of JSON): past these a hostile link would freeze the tab inflating it.
export const MAX_FRAGMENT_LENGTH = 2_000_000;
export const MAX_INFLATED_BYTES = 16 * 2 ** 20;
export const FILE_FORMAT = 'crease-share';
const FRAGMENT_KEY = 'snap';
const IMPORT_KEY = 'crease-import'; // sessionStorage: a file opened in this tab, read once on load

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export function base64url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Snapshot object -> the text that goes after "#snap=". */
export async function encodeSnapshot(snapshot) {
  const json = new TextEncoder().encode(JSON.stringify(snapshot));
  return base64url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** Inflated bytes, refused (stream cancelled) as soon as they pass `limit`. */
async function inflateAtMost(bytes, limit) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

const megabytes = (bytes) => `${Math.round(bytes / 2 ** 20)} MB`;

/** The text after "#snap=" -> a checked snapshot; throws with a readable message. */
export async function decodeSnapshot(text) {
  if (text.length > MAX_FRAGMENT_LENGTH) {
    throw new Error(`the weights in the link are ${text.length.toLocaleString('en')} characters, more than the `
      + `${MAX_FRAGMENT_LENGTH.toLocaleString('en')} a link may carry (a run that big travels as a file), so they were not opened`);
  }
  let bytes;
  try {
    bytes = await inflateAtMost(fromBase64url(text), MAX_INFLATED_BYTES);
  } catch {
    throw new Error('the weights in the link are damaged (was it cut short?)');
  }
  if (!bytes) {
    throw new Error(`the weights in the link unpack to more than ${megabytes(MAX_INFLATED_BYTES)}, more than any run this `
      + 'page can hold, so they were not opened');
  }
  let doc;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('the weights in the link are damaged (was it cut short?)');
  }
  return checkSnapshot(doc);
}

const isNumberMatrix = (m) => Array.isArray(m) && m.length > 0 && m.every((row) => Array.isArray(row) && row.every(Number.isFinite));
const isPointList = (list) => Array.isArray(list) && list.every((p) => Array.isArray(p) && p.length === 3 && p.every(Number.isFinite));

export function checkSnapshot(s) {
  if (!s || s.v !== SNAPSHOT_VERSION) throw new Error('the weights in the link come from another version of Crease');
  const ok = Array.isArray(s.weights) && s.weights.length > 0
    && s.weights.every((l) => isNumberMatrix(l.W) && Array.isArray(l.W0) && l.W0.every(Number.isFinite))
    && Number.isInteger(s.step) && Number.isInteger(s.epoch) && s.step >= 0 && s.epoch >= 0
    && (s.points === undefined || (isPointList(s.points.train) && s.points.train.length > 0 && isPointList(s.points.val)))
    && (s.edits === undefined || (Array.isArray(s.edits.remove) && Array.isArray(s.edits.add)
      && s.edits.remove.every((r) => Number.isInteger(r.index) && ['train', 'val'].includes(r.split))
      && s.edits.add.every((a) => isPointList([[...a.x ?? [], a.label]]) && ['train', 'val'].includes(a.split))));
  if (!ok) throw new Error('the weights in the link are not in the expected form');
  return s;
}

/**
 * What the page holds now, as a snapshot: weights from the server's JSON export
 * (float64, exact; frames carry float32), points only when the server says the
 * data are not a generated set.
 */
export async function takeSnapshot(api, session, state) {
  const [exported, info] = await Promise.all([
    api.sessionRequest('GET', '/export?format=json'),
    api.sessionRequest('GET', ''),
  ]);
  const snapshot = { v: SNAPSHOT_VERSION, step: exported.step, epoch: exported.epoch, weights: exported.weights };
  const history = exported.history;
  if (history?.epoch?.length) snapshot.history = history;
  if (info.settings.data.source !== 'generated') {
    const points = { train: session.points.train, val: session.points.val };
    const edits = session.data.source === 'generated' ? pointEdits(await generatedPoints(api, state, session.data), points) : null;
    if (!edits) snapshot.points = points;
    else if (edits.remove.length || edits.add.length) snapshot.edits = edits;
  }
  return snapshot;
}

/** The points the state's generated dataset has (a throwaway session draws them). */
async function generatedPoints(api, state, data) {
  const body = createBody(state, dataBody(state, data), { view: { grid: 2, include: ['points'] } });
  const answer = await api.request('POST', '/api/sessions', body);
  api.request('DELETE', `/api/sessions/${encodeURIComponent(answer.session)}`).catch(() => {});
  return answer.frame.points;
}

const samePoint = (a, b) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/**
 * current as base's edits, the way the server applies them (POST /points:
 * removals by index in base, then additions appended), or null when current
 * is not base with some points taken out and some appended.
 */
export function pointEdits(base, current) {
  const edits = { remove: [], add: [] };
  for (const split of ['train', 'val']) {
    const was = base[split];
    const now = current[split];
    let j = 0;
    was.forEach((p, index) => {
      if (j < now.length && samePoint(p, now[j])) j += 1;
      else edits.remove.push({ split, index });
    });
    for (const p of now.slice(j)) edits.add.push({ x: [p[0], p[1]], label: p[2], split });
  }
  return JSON.stringify(applyEdits(base, edits)) === JSON.stringify(current) ? edits : null;
}

function applyEdits(base, edits) {
  const out = {};
  for (const split of ['train', 'val']) {
    const gone = new Set(edits.remove.filter((r) => r.split === split).map((r) => r.index));
    out[split] = base[split].filter((_, i) => !gone.has(i))
      .concat(edits.add.filter((a) => a.split === split).map((a) => [a.x[0], a.x[1], a.label]));
  }
  return out;
}

/** The share link for a query string and an optional encoded snapshot. */
export function linkFor(query, encoded = null) {
  const { origin, pathname } = window.location;
  return `${origin}${pathname}${query ? `?${query}` : ''}${encoded ? `#${FRAGMENT_KEY}=${encoded}` : ''}`;
}

/** The file a too-long link becomes: readable JSON, opened by openShareFile. */
export function shareFile(query, snapshot) {
  return JSON.stringify({ format: FILE_FORMAT, version: SNAPSHOT_VERSION, query, snapshot }, null, 1);
}

/** A share file's text -> {query, snapshot}; throws with a readable message. */
export function readShareFile(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('this is not a Crease share file (not JSON)');
  }
  if (doc?.format !== FILE_FORMAT) throw new Error('this is not a Crease share file');
  if (typeof doc.query !== 'string') throw new Error('the share file has no settings');
  return { query: doc.query, snapshot: checkSnapshot(doc.snapshot) };
}

/** Remember an opened file's snapshot for the reload that applies its settings. */
export function stashImport(snapshot) {
  window.sessionStorage.setItem(IMPORT_KEY, JSON.stringify(snapshot));
}

/**
 * The snapshot this page load should start from: a file opened in this tab
 * just before (sessionStorage, read once) or the link's #snap=. null: none.
 * Throws (with a readable message) when the link's snapshot is unreadable.
 */
export async function pendingSnapshot() {
  let stashed = null;
  try {
    stashed = window.sessionStorage.getItem(IMPORT_KEY);
    window.sessionStorage.removeItem(IMPORT_KEY);
  } catch {
    // storage refused (a third-party frame): only links then
  }
  if (stashed) return checkSnapshot(JSON.parse(stashed));
  const fragment = new URLSearchParams(window.location.hash.slice(1)).get(FRAGMENT_KEY);
  return fragment ? decodeSnapshot(fragment) : null;
}

/** SessionCreate that starts from a snapshot: the state's settings, its points or generated data, its weights. */
export function snapshotBody(state, snapshot, data, view) {
  const body = createBody(state, snapshot.points ? pointsBody(snapshot.points) : dataBody(state, data), { view });
  body.resume = { weights: snapshot.weights, step: snapshot.step, epoch: snapshot.epoch };
  if (snapshot.history) body.resume.history = snapshot.history;
  return body;
}
