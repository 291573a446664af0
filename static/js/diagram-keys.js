// The network diagram from the keyboard. Tab reaches the diagram; the arrow
// keys move a cursor over the units (↑ ↓ within a layer, ← → between layers);
// Enter selects the unit, as a click does (the plane highlights its line), and
// opens the editor on its bias; W opens it on the weights into the unit, one
// after another. Enter in the editor sets the value, Esc leaves it; either way
// the keyboard comes back to the diagram. A polite live region names the unit.

import { formatNumber, h, subText, supText } from './dom.js';
import { walkNotes } from './network-walk.js';
import { ACCENT } from './palette.js';

export class DiagramKeys {
  constructor(network) {
    this.network = network;
    this.cursor = null; // {layer, unit}; layer 0 = the inputs
    this.incoming = 0; // which weight into the unit W edits next
    this.fromKeys = false; // the editor was opened from the keyboard
    const svg = network.svg;
    svg.setAttribute('tabindex', '0');
    svg.setAttribute('role', 'application');
    svg.setAttribute('aria-roledescription', 'network diagram');
    svg.setAttribute('aria-label', 'Network diagram: arrow keys choose a unit, Enter selects it and edits its bias, W edits the weights into it');
    this.ring = h('svg:rect', { class: 'key-cursor', fill: 'none', stroke: ACCENT, 'stroke-width': 3, rx: 4, visibility: 'hidden', 'pointer-events': 'none' });
    svg.append(this.ring);
    this.said = h('span', { class: 'sr-only', 'aria-live': 'polite', dataset: { testid: 'diagram-cursor' } });
    network.el.append(this.said);
    svg.addEventListener('keydown', (ev) => this._key(ev));
    svg.addEventListener('focus', () => this._show());
    svg.addEventListener('blur', () => {
      this.ring.setAttribute('visibility', 'hidden');
      network.callbacks.onHover(null);
    });
    // back to the diagram once a keyboard edit is done
    const back = () => {
      if (!this.fromKeys) return;
      this.fromKeys = false;
      setTimeout(() => svg.focus(), 0);
    };
    network.editor.addEventListener('submit', back);
    network.editor.addEventListener('keydown', (ev) => ev.key === 'Escape' && back());
  }

  _columns() {
    return this.network.layout?.columns ?? [];
  }

  _clamp() {
    const columns = this._columns();
    if (!columns.length) return null;
    const cursor = this.cursor ?? { layer: 1, unit: 0 };
    const layer = Math.max(0, Math.min(columns.length - 1, cursor.layer));
    const unit = Math.max(0, Math.min(columns[layer].nodes.length - 1, cursor.unit));
    this.cursor = { layer, unit };
    return this.cursor;
  }

  _show() {
    const cursor = this._clamp();
    if (!cursor) return;
    const node = this._columns()[cursor.layer].nodes[cursor.unit];
    this.ring.setAttribute('x', node.x - node.size / 2 - 4);
    this.ring.setAttribute('y', node.y - node.h / 2 - 4);
    this.ring.setAttribute('width', node.size + 8);
    this.ring.setAttribute('height', node.h + 8);
    this.ring.setAttribute('visibility', 'visible');
    this.said.textContent = this._describe(cursor);
    // a hidden unit under the cursor shows its line on the plane, as hovering it does
    const hidden = cursor.layer > 0 && cursor.layer < this._columns().length - 1;
    this.network.callbacks.onHover(hidden ? { layer: cursor.layer, unit: cursor.unit } : null);
  }

  _describe({ layer, unit }) {
    const last = this._columns().length - 1;
    // during the backprop walkthrough: the step's numbers at this unit
    const notes = walkNotes(this.network.walkStep, { kind: 'node', layer, unit }, this.network.layout).map((note) => `, ${note}`).join('');
    if (layer === 0) return `input x${subText(unit + 1)}${notes}`;
    const bias = this.network.model.weights[layer - 1].W0[unit];
    const name = layer === last ? `output ${unit}` : `unit a${supText(layer)}${subText(unit + 1)}`;
    return `${name}, bias ${formatNumber(bias)}${notes}`;
  }

  _key(ev) {
    // (a key the backprop walkthrough took: ← → step through it)
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const cursor = this._clamp();
    if (!cursor) return;
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (moves[ev.key]) {
      const [dl, du] = moves[ev.key];
      const columns = this._columns();
      const layer = cursor.layer + dl;
      // across layers keep the same relative height in the column
      const unit = dl && columns[layer] ? Math.round((cursor.unit / Math.max(1, columns[cursor.layer].nodes.length - 1)) * (columns[layer].nodes.length - 1)) : cursor.unit + du;
      this.cursor = { layer, unit };
      this.incoming = 0;
      this._show();
      ev.preventDefault();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      this._select(cursor);
      if (cursor.layer > 0) this._edit({ layer: cursor.layer, kind: 'W0', i: null, j: cursor.unit });
    } else if (ev.key === 'w' || ev.key === 'W') {
      if (cursor.layer === 0) return;
      ev.preventDefault();
      const m = this.network.model.weights[cursor.layer - 1].m;
      const i = this.incoming % m;
      this.incoming = i + 1;
      this._edit({ layer: cursor.layer, kind: 'W', i, j: cursor.unit });
    }
  }

  _select({ layer, unit }) {
    const last = this._columns().length - 1;
    if (layer === 0 || layer === last) return;
    const network = this.network;
    const same = network.selected && network.selected.layer === layer && network.selected.unit === unit;
    if (same) return;
    network.selected = { layer, unit };
    network.callbacks.onSelect(network.selected);
    network._drawNodes();
  }

  _edit(target) {
    const node = this._columns()[target.layer].nodes[target.j];
    this.fromKeys = true;
    this.network._openEditor(target, node.x, node.y + node.h / 2);
  }
}
