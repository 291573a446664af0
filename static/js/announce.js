// The running numbers for screen readers: one polite live region that says the
// epoch, loss and accuracy at most once every INTERVAL_MS while they change
// (every frame would drown everything else a screen reader has to say).

import { h } from './dom.js';

export const INTERVAL_MS = 2000;
const IDS = ['epoch-count', 'train-loss', 'train-acc', 'val-loss', 'val-acc'];

export class Announcer {
  constructor() {
    this.region = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', dataset: { testid: 'live-numbers' } });
    document.body.append(this.region);
    this.lastAt = -Infinity;
    this.timer = null;
    const observer = new MutationObserver(() => this._schedule());
    for (const id of IDS) {
      const el = document.getElementById(id);
      if (el) observer.observe(el, { childList: true, characterData: true, subtree: true });
    }
  }

  text() {
    const v = Object.fromEntries(IDS.map((id) => [id, document.getElementById(id)?.textContent.trim() ?? '–']));
    const val = v['val-loss'] === '–' ? '' : ` Validation loss ${v['val-loss']}, accuracy ${v['val-acc']}.`;
    return `Epoch ${v['epoch-count']}. Training loss ${v['train-loss']}, accuracy ${v['train-acc']}.${val}`;
  }

  _schedule() {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastAt = performance.now();
      const text = this.text();
      if (text !== this.region.textContent) this.region.textContent = text;
    }, wait);
  }
}
