// Presenter mode (`p`, the ⛶ button, or presenter=1 in the link): large type,
// thick lines and markers, a high-contrast palette, the settings tucked into a
// drawer and the plane as large as the screen allows. The page's look is
// presenter.css under body.presenter; the charts' sizes are theme.js's.

import { useTheme } from './theme.js';

export class Presenter {
  /** store: the state Store; redraw(): lay the charts out again and repaint them. */
  constructor(store, redraw) {
    this.store = store;
    this.redraw = redraw;
    this.on = null;
    this.settingsWereHidden = false;
    this.apply(store.state.presenter);
    store.subscribe((changed, state) => {
      if (changed.includes('presenter')) this.apply(state.presenter);
    });
  }

  toggle() {
    this.store.set({ presenter: !this.store.state.presenter });
  }

  apply(on) {
    if (on === this.on) return;
    const first = this.on === null;
    this.on = on;
    const workspace = document.getElementById('workspace');
    const toggle = document.getElementById('controls-toggle');
    document.body.classList.toggle('presenter', on);
    useTheme(on ? 'presenter' : 'normal');
    // Settings go into a drawer (the ☰ button opens it); leaving puts them back as they were.
    if (on) {
      this.settingsWereHidden = workspace.classList.contains('controls-hidden');
      workspace.classList.add('controls-hidden');
      workspace.classList.remove('controls-open');
    } else if (!first) {
      workspace.classList.toggle('controls-hidden', this.settingsWereHidden);
      workspace.classList.remove('controls-open');
    }
    toggle?.setAttribute('aria-expanded', String(!workspace.classList.contains('controls-hidden') && !on));
    const button = document.getElementById('presenter-toggle');
    button?.setAttribute('aria-pressed', String(on));
    if (!first) this.redraw();
  }
}
