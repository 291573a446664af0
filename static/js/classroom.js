// Everything for a classroom, wired onto the page main.js builds: share links
// and files (share.js, snapshot.js), presenter mode, keyboard shortcuts and
// their help, the diagram from the keyboard, hiding controls through the link,
// the lesson a link came from, the live region for screen readers, and the
// note about ignored link settings.

import { Announcer } from './announce.js';
import { DiagramKeys } from './diagram-keys.js';
import { h } from './dom.js';
import { Hider } from './hide.js';
import { Keyboard } from './keyboard.js';
import { Presenter } from './presenter.js';
import { ShareDialog } from './share.js';
import { pendingSnapshot, snapshotBody } from './snapshot.js';
import { setLessonNames } from './state.js';

const $ = (id) => document.getElementById(id);

export class Classroom {
  /** ctx: {store, session, api, trainer, plane, network, curves, status, render(), track(promise)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.notes = [];
    this.restored = null;
    this._buildTools();
    this.presenter = new Presenter(ctx.store, () => this.redraw());
    this.hider = new Hider(ctx.store);
    this.keyboard = new Keyboard();
    this.announcer = new Announcer();
    this.diagramKeys = new DiagramKeys(ctx.network);
    this.share = new ShareDialog({ ...ctx, describe: () => this.describe() });
    $('share-button').addEventListener('click', () => this.share.run(this.share.open()));
    $('presenter-toggle').addEventListener('click', () => this.presenter.toggle());
    $('help-button').addEventListener('click', () => this.keyboard.openHelp());
  }

  _buildTools() {
    const tools = h('div', { class: 'classroom-tools', role: 'group', 'aria-label': 'Share and present' },
      h('button', { id: 'share-button', class: 'btn', 'aria-label': 'Share', dataset: { testid: 'share' }, title: 'A link to this run, or pictures of it' },
        h('span', { 'aria-hidden': 'true' }, '⤴'), h('span', { class: 'btn-text' }, ' Share')),
      h('button', { id: 'presenter-toggle', class: 'btn btn-icon', 'aria-pressed': 'false', 'aria-label': 'Presenter mode', dataset: { testid: 'presenter-toggle' }, title: 'Presenter mode: large type for a projector (P)' },
        h('svg:svg', { viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': 'true', focusable: 'false' },
          h('svg:path', { d: 'M3 4h18v11H3zM12 15v4M7 20h10', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linejoin': 'round' }))),
      h('button', { id: 'help-button', class: 'btn btn-icon', 'aria-label': 'Keyboard shortcuts', dataset: { testid: 'help-button' }, title: 'Keyboard shortcuts (?)' }, h('span', { 'aria-hidden': 'true' }, '?')));
    document.querySelector('.topbar').append(tools);
    this.lessonLink = h('a', { class: 'lesson-link', id: 'lesson-link', hidden: true, dataset: { testid: 'lesson-link' } });
    document.querySelector('.brand').append(this.lessonLink);
    this.note = h('div', { class: 'link-note', id: 'link-note', role: 'status', hidden: true, dataset: { testid: 'link-note' } });
    document.querySelector('.topbar').after(this.note);
  }

  /** After presenter mode switches: markers and fonts change size, the layout changes. */
  redraw() {
    this.ctx.plane.pointsKey = null;
    return this.ctx.render();
  }

  /**
   * Create the page's session: from the snapshot a link or an opened file
   * carries (weights, counters, history, points), else with createFresh().
   */
  async openSession(createFresh) {
    this.followedHash = window.location.hash;
    // a #snap= pasted into this tab later changes only the fragment: nothing reloads
    window.addEventListener('popstate', () => this.followFragment('popstate'));
    window.addEventListener('hashchange', () => this.followFragment('hashchange'));
    let snapshot = null;
    try {
      snapshot = await pendingSnapshot();
    } catch (err) {
      this.notes.push(err.message);
    }
    if (!snapshot) return createFresh();
    try {
      return await this._openSnapshot(snapshot);
    } catch (err) {
      this.notes.push(`the shared weights do not fit these settings (${err.message}), so the run starts from its seed`);
      return createFresh();
    }
  }

  /** A new session from a snapshot on the state's settings; throws when they do not fit. */
  async _openSnapshot(snapshot) {
    const { session, api, store, status } = this.ctx;
    const answer = await api.create(snapshotBody(store.state, snapshot, session.data, session.view({ fresh: true })));
    if (snapshot.points) session.data = { source: 'points' };
    let frame = await session.ingest(answer.frame);
    // drawn or removed points: the same edits on the same generated set (the weights stay)
    if (snapshot.edits) frame = await session.ingest(await api.points({ ...snapshot.edits, view: session.view({ fresh: true }) }));
    session.edited = Boolean(snapshot.points || snapshot.edits);
    session.departure = snapshot.step ? 'it goes on from shared weights' : null;
    this.restored = snapshot;
    status.show(`Opened with the shared weights (epoch ${snapshot.epoch})${snapshot.points || snapshot.edits ? ' and the shared data' : ''}.`, 'info', 8);
    return frame;
  }

  /** The fragment changed in this document (a pasted #snap= link, Back/Forward between two): load its weights. */
  followFragment(event) {
    // a history step fires popstate, then hashchange for the same fragment: follow it once.
    // A hashchange alone always follows (the URL may have dropped the fragment meanwhile).
    const hash = window.location.hash;
    const seen = hash === this.followedHash;
    const followedByPopstate = this.followedBy === 'popstate';
    this.followedBy = event;
    if (seen && (event === 'popstate' || followedByPopstate)) return null;
    this.followedHash = hash;
    const { session, api, trainer, track, render } = this.ctx;
    return track((async () => {
      let snapshot;
      try {
        snapshot = await pendingSnapshot();
      } catch (err) {
        this.showNotes([err.message]);
        return;
      }
      if (!snapshot) return;
      trainer.pause();
      const old = api.sessionId;
      session.snapshot('shared weights');
      try {
        await this._openSnapshot(snapshot);
      } catch (err) {
        session.undoStack.pop();
        api.sessionId = old;
        this.showNotes([`the shared weights do not fit these settings (${err.message}), so the run goes on unchanged`]);
        return;
      }
      api.discard(old);
      await render();
    })());
  }

  /** Once the first frame is drawn: check the link's lesson, show what the link had that was ignored. */
  async ready(queryNotes = []) {
    const notes = [...queryNotes, ...this.notes];
    try {
      await this._showLesson(notes);
    } catch (err) {
      console.warn(err);
    }
    this.showNotes(notes);
  }

  async _showLesson(notes) {
    const { store, api } = this.ctx;
    const name = store.state.lesson;
    if (!name) return;
    const { lessons } = await api.request('GET', '/api/lessons');
    setLessonNames(lessons.map((l) => l.name));
    const lesson = lessons.find((l) => l.name === name);
    if (!lesson) {
      notes.push(`unknown lesson ${name}`);
      store.set({ lesson: null });
      return;
    }
    this.lessonLink.href = `/lesson/${encodeURIComponent(name)}`;
    this.lessonLink.textContent = `← Problem ${lesson.problem} lesson`;
    this.lessonLink.title = `Back to the lesson: ${lesson.title}`;
    this.lessonLink.hidden = false;
  }

  showNotes(notes, heading = 'Some of this link was ignored: ') {
    if (!notes.length) return;
    const close = h('button', { type: 'button', class: 'btn-ghost', 'aria-label': 'Dismiss', dataset: { testid: 'link-note-close' } }, '×');
    close.addEventListener('click', () => {
      this.note.hidden = true;
    });
    this.note.replaceChildren(h('span', {}, h('b', {}, heading), `${notes.join('; ')}.`), close);
    this.note.hidden = false;
  }

  /** One line for a slide: data, network, optimizer, epoch. */
  describe() {
    const { store, session } = this.ctx;
    const s = store.state;
    const frame = session.frame;
    const sizes = frame ? [frame.weights[0].m, ...frame.layers.map((l) => l.units)].join('-') : '';
    const acts = [...new Set(s.activations)].join('/') || 'linear';
    const data = session.data.source === 'generated' ? `${s.dataset}, ${s.n} points` : `${session.points.train.length + session.points.val.length} points`;
    const opt = s.optimizer === 'adam' ? `Adam, rate ${s.lr}` : `SGD, rate ${s.lr}${s.momentum ? `, momentum ${s.momentum}` : ''}`;
    return `${data} · network ${sizes} (${acts}, ${s.output}) · ${opt} · epoch ${frame?.counters.epoch ?? 0}`;
  }
}
