// Presenter mode on a lesson page (`p`, the ⛶ button, or presenter=1 in the
// link), as on the playground: body.presenter switches presenter.css's large
// type and high-contrast palette, theme.js the charts' sizes; the lesson's
// kind then draws its charts again. The flag stays in the address, so a
// reload or a link to another lesson keeps it.

import { useTheme } from './theme.js';

const typing = (el) => el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);

export class LessonPresenter {
  /** button: the ⛶ toggle; redraw(): the lesson draws its charts again. */
  constructor(button, redraw = () => {}) {
    this.button = button;
    this.redraw = redraw;
    this.on = false;
    button.addEventListener('click', () => this.set(!this.on));
    document.addEventListener('keydown', (ev) => {
      if ((ev.key === 'p' || ev.key === 'P') && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !typing(ev.target)) this.set(!this.on);
    });
    this.set(new URLSearchParams(window.location.search).get('presenter') === '1', { first: true });
  }

  set(on, { first = false } = {}) {
    if (on === this.on && !first) return;
    this.on = on;
    document.body.classList.toggle('presenter', on);
    useTheme(on ? 'presenter' : 'normal');
    this.button.setAttribute('aria-pressed', String(on));
    const url = new URL(window.location.href);
    if (on) url.searchParams.set('presenter', '1');
    else url.searchParams.delete('presenter');
    if (url.href !== window.location.href) window.history.replaceState(null, '', url);
    if (!first) this.redraw();
  }
}
