// Keyboard shortcuts for driving the playground in front of a class, and the
// help overlay that lists them (`?`; Esc closes it). A shortcut presses the
// same button a mouse would, so it does exactly what the button does and does
// nothing while that button is hidden (a link's hide=) or disabled. Shortcuts
// are off while typing in a field, and Space/→ keep their own meaning on a
// control that was reached with the keyboard (Space presses a focused button);
// after a click, which leaves the focus on the clicked button, Space plays.

import { h } from './dom.js';

export const SHORTCUTS = [
  { keys: [' '], label: 'Space', does: 'play / pause', button: 'play' },
  { keys: ['ArrowRight'], label: '→', does: 'one step (one minibatch)', button: 'step' },
  { keys: ['e', 'E'], label: 'E', does: 'one epoch', button: 'epoch-step' },
  { keys: ['r', 'R'], label: 'R', does: 'reset the weights (same seed)', button: 'reset' },
  { keys: ['p', 'P'], label: 'P', does: 'presenter mode on / off', button: 'presenter-toggle' },
  { keys: ['?'], label: '?', does: 'this list of shortcuts', button: 'help-button' },
];

export const TYPING = 'input, select, textarea, [contenteditable=""], [contenteditable="true"]';
// Elements on which Space or an arrow key already does something.
const OWN_KEYS = 'button, a[href], summary, [role=button], [role=radio], [role=radiogroup], [role=slider], [role=application], [tabindex]:not([tabindex="-1"])';

function usable(button) {
  return button && !button.disabled && button.checkVisibility?.() !== false && button.getClientRects().length > 0;
}

export class Keyboard {
  constructor() {
    this.help = this._buildHelp();
    document.body.append(this.help);
    document.addEventListener('keydown', (ev) => this._onKey(ev));
    // Was the focused control reached by a pointer (a click leaves focus on a
    // button; Space then means play/pause) or by the keyboard (Space presses it)?
    this.pointerAt = -Infinity;
    this.focusByPointer = false;
    document.addEventListener('pointerdown', () => { this.pointerAt = performance.now(); }, true);
    document.addEventListener('focusin', () => { this.focusByPointer = performance.now() - this.pointerAt < 1000; }, true);
    // A button presses itself on Space's keyup: not when Space was a shortcut.
    this.spaceTaken = false;
    document.addEventListener('keyup', (ev) => {
      if (ev.key === ' ' && this.spaceTaken) ev.preventDefault();
      if (ev.key === ' ') this.spaceTaken = false;
    });
  }

  _buildHelp() {
    const rows = SHORTCUTS.map((s) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, s.label)), h('td', {}, s.does)));
    rows.push(h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, 'Esc')), h('td', {}, 'close this list or a dialog')));
    rows.push(h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, 'Tab')), h('td', {}, 'move between controls; Enter or Space presses the focused one')));
    rows.push(h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, '↑ ↓ ← →')), h('td', {}, 'in the network diagram: choose a unit; Enter selects it and edits its bias, W edits the weights into it')));
    rows.push(h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, '→ ← Esc')), h('td', {}, 'in the backprop walkthrough (the inspector\'s "Walk through on the diagram"): next step, previous step, leave')));
    const close = h('button', { type: 'button', class: 'btn-ghost dialog-close', 'aria-label': 'Close', title: 'Close (Esc)', dataset: { testid: 'help-close' } }, '×');
    const dialog = h('dialog', { class: 'sheet help-sheet', id: 'help-dialog', 'aria-labelledby': 'help-title', dataset: { testid: 'help-dialog' } },
      h('div', { class: 'sheet-head' }, h('h2', { id: 'help-title' }, 'Keyboard shortcuts'), close),
      h('table', { class: 'shortcut-table' }, h('tbody', {}, ...rows)),
      h('p', { class: 'hint' }, 'Shortcuts are off while you type in a field.'));
    close.addEventListener('click', () => dialog.close());
    return dialog;
  }

  openHelp() {
    if (!this.help.open) this.help.showModal();
  }

  _onKey(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    const target = ev.target instanceof Element ? ev.target : document.body;
    if (target.closest(TYPING)) return;
    if (document.querySelector('dialog[open]')) {
      if (ev.key === '?' && this.help.open) this.help.close();
      return; // a dialog has the keyboard (Esc closes it)
    }
    const shortcut = SHORTCUTS.find((s) => s.keys.includes(ev.key));
    if (!shortcut) return;
    if ((ev.key === ' ' || ev.key === 'ArrowRight') && target.closest(OWN_KEYS) && !this.focusByPointer) return;
    const button = document.getElementById(shortcut.button);
    if (!usable(button)) return;
    ev.preventDefault();
    if (ev.key === ' ') this.spaceTaken = true;
    button.click();
  }
}
