// A trial opened from the experiment runner (experiments.js sends the page to
// /#trial=<session id>&n=<trial number>): the page takes that server session, which holds exactly
// the trial's run (its data split, weights, epoch and optimizer state), and the
// settings it was trained with, instead of starting a run of its own.

import { emptyHistory } from './curves.js';
import { stateFromSettings } from './playground-homework.js';
import { toQuery } from './state.js';

const TRIAL = /^#trial=([A-Za-z0-9_-]{16,64})&n=(\d+)$/;

/** {id, number}: the session and trial number the link's fragment names, or null. */
export function pendingTrial() {
  const m = TRIAL.exec(window.location.hash);
  return m ? { id: m[1], number: Number(m[2]) } : null;
}

/** Show trial {id, number}: its settings become the page's, its points the data; the address then says the settings. */
export async function openTrial({ api, session, store, controls, status }, { id, number }) {
  api.sessionId = id;
  const info = await api.sessionRequest('GET', '', undefined);
  store.set(stateFromSettings(info.settings), { silent: true });
  controls.sync(store.state);
  session.data = { source: 'points', name: `trial ${number} of the experiment` };
  session.history = emptyHistory();
  const frame = await session.reopen();
  window.history.replaceState(null, '', `?${toQuery(store.state)}`);
  status.show(`Opened trial ${number} at epoch ${info.frame.counters.epoch}: its data split, weights and optimizer state. Press Play to go on from there.`, 'info', 12);
  return frame;
}
