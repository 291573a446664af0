// hide=... in a link: a teacher hands out a focused exercise by hiding parts of
// the page (control groups, state.js CONTROL_GROUPS) or single controls (a
// setting's URL key, e.g. hide=lr). Hidden is not disabled: the settings keep
// the link's values, and a shortcut whose button is hidden does nothing.

import { SETTINGS } from './state.js';

const $ = (id) => document.getElementById(id);
const closest = (id, selector) => $(id)?.closest(selector) ?? null;

const GROUPS = {
  settings: () => [$('controls'), $('controls-toggle')],
  data: () => [closest('dataset', 'details')],
  upload: () => [closest('upload', '.subgroup')],
  draw: () => [closest('draw', '.subgroup')],
  network: () => [closest('layers', 'details')],
  training: () => [closest('optimizer', 'details')],
  display: () => [closest('showVal', 'details')],
  toolbar: () => [document.querySelector('.stage .toolbar')],
  reset: () => [$('reset')],
  step: () => [$('step')],
  epoch: () => [$('epoch-step')],
  undo: () => [$('undo')],
  diagram: () => [document.querySelector('.network-panel')],
  curves: () => [$('curves')],
  share: () => [$('share-button')],
  presenter: () => [$('presenter-toggle')],
};

/** The elements one name covers: a group, or the control of one setting (by URL key). */
export function elementsFor(name) {
  if (GROUPS[name]) return GROUPS[name]().filter(Boolean);
  const spec = SETTINGS.find((s) => s.url === name);
  if (!spec) return [];
  if (spec.key === 'hidden' || spec.key === 'activations') return [$('layers'), closest('add-layer', '.row')].filter(Boolean);
  if (spec.key === 'regions') return [document.querySelector('.stage .segmented')].filter(Boolean);
  if (spec.key === 'hiddenLines') return [closest('unit-chips', '.field')].filter(Boolean);
  if (spec.key === 'curveLayers') return [$('curve-layers-field')].filter(Boolean);
  const el = $(spec.key);
  return el ? [el.closest('.field, .check') ?? el] : [];
}

export class Hider {
  constructor(store) {
    this.hidden = [];
    this.apply(store.state.hide);
    store.subscribe((changed, state) => {
      if (changed.includes('hide')) this.apply(state.hide);
    });
  }

  apply(names) {
    for (const el of this.hidden) el.classList.remove('link-hidden');
    this.hidden = [...new Set(names.flatMap(elementsFor))];
    for (const el of this.hidden) el.classList.add('link-hidden');
    document.body.dataset.hide = names.join(' ');
  }
}
