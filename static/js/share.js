// The share dialog: a link with every setting (seeds included, so it
// reproduces the run), optionally the current weights and data edits in the
// link's fragment, a file when that link is too long, opening such a file, and
// the pictures (each chart as PNG or SVG, the whole view as one PNG).

import { h } from './dom.js';
import { download, curvesSvg, networkSvg, planeSvg, pngOf, slidePng, svgBlob } from './pictures.js';
import {
  MAX_LINK_LENGTH, encodeSnapshot, linkFor, readShareFile, shareFile, stashImport, takeSnapshot,
} from './snapshot.js';
import { toQuery } from './state.js';
import { leaveOnPurpose } from './tab-run.js';

const stamp = () => new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');

export class ShareDialog {
  /** ctx: {store, session, api, plane, network, curves, describe() -> title line, track(promise)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.current = null; // {link, query, snapshot, tooLong}
    this.dialog = this._build();
    document.body.append(this.dialog);
  }

  _build() {
    this.withWeights = h('input', { type: 'checkbox', id: 'share-weights', dataset: { testid: 'share-weights' } });
    this.linkField = h('input', { type: 'text', readonly: true, id: 'share-link', dataset: { testid: 'share-link' }, spellcheck: 'false' });
    this.message = h('p', { class: 'share-message', id: 'share-message', role: 'status', dataset: { testid: 'share-message' } });
    this.copyButton = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'share-copy' } }, 'Copy link');
    this.fileButton = h('button', { type: 'button', class: 'btn', dataset: { testid: 'share-download' } }, 'Save as file');
    this.openInput = h('input', { type: 'file', id: 'share-open', accept: '.json,application/json', dataset: { testid: 'share-open' } });
    this.openError = h('p', { class: 'field-error', role: 'alert', hidden: true, dataset: { testid: 'share-open-error' } });
    this.withWeights.addEventListener('change', () => this.run(this.refresh()));
    this.copyButton.addEventListener('click', () => this.run(this.current?.tooLong ? this.saveFile() : this.copy()));
    this.fileButton.addEventListener('click', () => this.run(this.saveFile()));
    this.openInput.addEventListener('change', () => this.run(this.openFile(this.openInput.files[0])));
    this.linkField.addEventListener('focus', () => this.linkField.select());

    const picture = (label, testid, make) => {
      const button = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid } }, label);
      button.addEventListener('click', () => this.run(this._picture(button, make)));
      return button;
    };
    const { plane, network, curves } = this.ctx;
    const pictures = h('div', { class: 'picture-grid' },
      h('span', {}, 'Whole view'), picture('PNG (slide)', 'picture-view-png', async () => ['crease-view', await slidePng({ plane, network, curves, title: this.ctx.describe(), metrics: this.ctx.session.frame.metrics }), 'png']),
      h('span', {}, 'Plane'), picture('PNG', 'picture-plane-png', async () => ['crease-plane', await pngOf(await planeSvg(plane)), 'png']),
      picture('SVG', 'picture-plane-svg', async () => ['crease-plane', svgBlob(await planeSvg(plane)), 'svg']),
      h('span', {}, 'Network'), picture('PNG', 'picture-network-png', async () => ['crease-network', await pngOf(networkSvg(network)), 'png']),
      picture('SVG', 'picture-network-svg', async () => ['crease-network', svgBlob(networkSvg(network)), 'svg']),
      h('span', {}, 'Curves'), picture('PNG', 'picture-curves-png', async () => ['crease-curves', await pngOf(await curvesSvg(curves)), 'png']),
      picture('SVG', 'picture-curves-svg', async () => ['crease-curves', svgBlob(await curvesSvg(curves)), 'svg']));

    const close = h('button', { type: 'button', class: 'btn-ghost dialog-close', 'aria-label': 'Close', title: 'Close (Esc)', dataset: { testid: 'share-close' } }, '×');
    const dialog = h('dialog', { class: 'sheet share-sheet', id: 'share-dialog', 'aria-labelledby': 'share-title', dataset: { testid: 'share-dialog' } },
      h('div', { class: 'sheet-head' }, h('h2', { id: 'share-title' }, 'Share this run'), close),
      h('p', { class: 'hint' }, 'The link holds every setting, the seeds included: whoever opens it gets the same data, the same starting weights, and the same weights after the same number of epochs.'),
      h('label', { class: 'check' }, this.withWeights, 'include the current weights and data edits'),
      h('label', { class: 'field' }, h('span', {}, 'Link'), this.linkField),
      this.message,
      h('div', { class: 'row' }, this.copyButton, this.fileButton),
      h('label', { class: 'field open-file' }, h('span', {}, 'Open a shared file'), this.openInput),
      this.openError,
      h('h3', {}, 'Pictures'),
      pictures);
    close.addEventListener('click', () => dialog.close());
    return dialog;
  }

  /** An action of the dialog: counted as busy (tests wait for quiet), its failure said in the dialog. */
  run(promise) {
    return this.ctx.track(promise.catch((err) => {
      this.message.className = 'share-message warn';
      this.message.textContent = `That did not work: ${err.message}`;
      console.warn(err);
    }));
  }

  async open() {
    this.openError.hidden = true;
    this.dialog.showModal();
    // the settings alone would replay another run: the link carries the weights unless unticked
    if (this.ctx.session.notReplayable) this.withWeights.checked = true;
    await this.refresh();
    if (!this.current.tooLong) await this.copy();
  }

  /** Build the link for the current state (and snapshot when asked). */
  async refresh() {
    const query = toQuery(this.ctx.store.state);
    let snapshot = null;
    let encoded = null;
    this.message.textContent = this.withWeights.checked ? 'Reading the weights…' : '';
    if (this.withWeights.checked) {
      snapshot = await takeSnapshot(this.ctx.api, this.ctx.session, this.ctx.store.state);
      encoded = await encodeSnapshot(snapshot);
    }
    const link = linkFor(query, encoded);
    const tooLong = link.length > MAX_LINK_LENGTH;
    this.current = { link, query, snapshot, tooLong };
    this.linkField.value = link;
    this.copyButton.textContent = tooLong ? 'Save as file' : 'Copy link';
    this.dialog.classList.toggle('too-long', tooLong);
    const reason = this.ctx.session.notReplayable;
    this.message.className = `share-message${tooLong || (reason && !snapshot) ? ' warn' : ''}`;
    this.message.textContent = tooLong
      ? `With the weights and data this link is ${link.length.toLocaleString('en')} characters, too long to paste safely: save it as a file and hand that out (it opens with “Open a shared file”).`
      : snapshot ? `The link carries the weights${snapshot.points || snapshot.edits ? ' and the data edits' : ''} (${link.length.toLocaleString('en')} characters).`
        : reason ? `Without the weights this link replays the settings from epoch 0, which gives other weights than these: ${reason}.` : '';
  }

  async copy() {
    const { link } = this.current;
    try {
      await navigator.clipboard.writeText(link);
      this.message.textContent = `${this.message.textContent ? `${this.message.textContent} ` : ''}Copied.`;
      this.copyButton.textContent = 'Copied ✓';
    } catch {
      this.message.textContent = 'The browser did not allow copying: the link is selected in the field above, press Ctrl+C (⌘C).';
      this.linkField.focus();
      this.linkField.select();
    }
  }

  async saveFile() {
    if (!this.current) await this.refresh();
    let { query, snapshot } = this.current;
    if (!snapshot) snapshot = await takeSnapshot(this.ctx.api, this.ctx.session, this.ctx.store.state);
    download(new Blob([shareFile(query, snapshot)], { type: 'application/json' }), `crease-run-${stamp()}.json`);
    this.message.textContent = 'Saved as a file: open it here with “Open a shared file”.';
  }

  /** A share file: its settings become the page's URL, its weights and points are applied on that load. */
  async openFile(file) {
    if (!file) return;
    this.openError.hidden = true;
    try {
      const { query, snapshot } = readShareFile(await file.text());
      let fragment = '';
      try {
        stashImport(snapshot);
      } catch {
        // no session storage (a third-party frame): the weights go in the fragment, however long
        fragment = `#snap=${await encodeSnapshot(snapshot)}`;
      }
      leaveOnPurpose();
      window.location.assign(`${window.location.pathname}?${query}${fragment}`);
    } catch (err) {
      this.openError.textContent = `${file.name}: ${err.message}`;
      this.openError.hidden = false;
    }
  }

  async _picture(button, make) {
    const label = button.textContent;
    button.disabled = true;
    button.textContent = '…';
    try {
      const [name, blob, ext] = await make();
      download(blob, `${name}-${stamp()}.${ext}`);
    } catch (err) {
      this.message.textContent = `That picture could not be made: ${err.message}`;
      console.warn(err);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }
}
