// A dedicated worker that fetches and decodes frames for api.js (FrameWorker),
// off the page's main thread. Messages in: {id, request} (api.js's exchange);
// out: {ready} once, then {id, answer}, {id, networkError} (the fetch failed:
// api.js retries) or {id, failure} (anything else: it does not).

import { exchange } from './api.js';

/** The distinct buffers under every typed array in `value`: handed over, not copied. */
function buffersOf(value, found = new Set()) {
  if (ArrayBuffer.isView(value)) found.add(value.buffer);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) buffersOf(v, found);
  return found;
}

self.onmessage = async ({ data: { id, request } }) => {
  let answer;
  try {
    answer = await exchange(request);
  } catch (err) {
    self.postMessage({ id, networkError: String(err?.message ?? err) });
    return;
  }
  try {
    self.postMessage({ id, answer }, [...buffersOf(answer.data)]);
  } catch (err) {
    self.postMessage({ id, failure: `the frame could not be handed to the page: ${err.message}` });
  }
};

self.postMessage({ ready: true });
