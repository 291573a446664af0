// The settings drawer. Wide screens show the settings beside the plane (☰ hides
// them); narrower ones (tablets, phones) lay them over the page, closed at
// first: ☰ opens them and moves the focus in, and ☰, Escape or a tap outside
// closes them. The workspace's classes say which is shown (presenter.js sets
// them too).

// the first control in the drawer after its × button
const FOCUSABLE = 'details summary, details button, details input, details select';

export class SettingsDrawer {
  /** toggle: the ☰ button; close: the drawer's × button; panel: the settings; workspace: the element whose classes show them. */
  constructor({ toggle, close, panel, workspace, narrowQuery = '(max-width: 1180px)' }) {
    this.toggle = toggle;
    this.panel = panel;
    this.workspace = workspace;
    this.narrow = window.matchMedia(narrowQuery);
    toggle.addEventListener('click', () => this.setOpen(!this.shown));
    close?.addEventListener('click', () => {
      this.setOpen(false);
      toggle.focus();
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape' || !this.overlaid || ev.defaultPrevented || document.querySelector('dialog[open]')) return;
      this.setOpen(false);
      toggle.focus();
    });
    // a tap beside the drawer closes it, as it would close any sheet over the page
    document.addEventListener('pointerdown', (ev) => {
      if (this.overlaid && !panel.contains(ev.target) && !toggle.contains(ev.target)) this.setOpen(false);
    }, true);
    this.narrow.addEventListener('change', () => this.showState());
    this.showState();
  }

  get shown() {
    return this.narrow.matches ? this.workspace.classList.contains('controls-open') : !this.workspace.classList.contains('controls-hidden');
  }

  /** Open over the page (not beside the plane). */
  get overlaid() {
    return this.narrow.matches && this.shown;
  }

  setOpen(open) {
    if (this.narrow.matches) this.workspace.classList.toggle('controls-open', open);
    else this.workspace.classList.toggle('controls-hidden', !open);
    this.showState();
    if (open && this.narrow.matches) this.panel.querySelector(FOCUSABLE)?.focus({ preventScroll: true });
  }

  showState() {
    this.toggle.setAttribute('aria-expanded', String(this.shown));
  }
}
