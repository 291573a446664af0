// The playground's data: a changed data setting, an uploaded file, and the
// data panel that follows whatever data the session holds. main.js routes
// store changes here; the session does the requests.

import { TinyDataNote } from './tiny-data.js';

// settings after which an uploaded file no longer applies: a generated set replaces it
const DATA_SHAPE_KEYS = ['dataset', 'classes', 'n', 'noise'];

export class DataChanges {
  /**
   * page: {store, session, api, controls, run(request, onRefused), refused(changed, previous), render()};
   * note: the element for the note about tiny data sets.
   */
  constructor(page, note) {
    this.page = page;
    this.describedKey = '';
    this.tinyData = new TinyDataNote(note, () => page.store.set({ valShare: 0 }));
  }

  /** A built-in data set's settings beyond the state: which class counts it allows. */
  generated() {
    const { controls, store } = this.page;
    const info = controls.datasets.find((d) => d.name === store.state.dataset);
    return { source: 'generated', classRange: info?.class_range ?? null };
  }

  /** The data settings changed (or meta.force === 'data': a new sample). */
  async apply(changed, previous, meta) {
    const { store, session, controls, run, refused } = this.page;
    const keepFile = session.data.source === 'file' && meta.force !== 'data' && !changed.some((k) => DATA_SHAPE_KEYS.includes(k));
    const data = keepFile ? session.data : this.generated();
    const info = controls.datasets.find((d) => d.name === store.state.dataset);
    await run(async () => {
      const k = info?.class_range?.[0] === info?.class_range?.[1] ? info?.classes : store.state.classes ?? info?.classes;
      const withNetwork = !keepFile && k !== 2 && store.state.output === 'sigmoid';
      if (withNetwork) {
        store.set({ output: 'softmax' }, { silent: true });
        controls.sync(store.state);
      }
      await session.changeData(previous, data, { withNetwork });
      if (!keepFile) controls.clearFiles();
    }, refused(changed, previous));
  }

  /**
   * Called on every paint: the data panel follows the session's data however
   * it changed (a new set, an upload, drawn points, undo); redrawn only when it did.
   */
  describe() {
    const { session, store, controls } = this.page;
    const { data, points } = session;
    const key = [data.source, data.name, data.valName, points.train.length, points.val.length, store.state.dataset].join('|');
    if (key === this.describedKey) return;
    this.describedKey = key;
    this.tinyData.update(data, points);
    controls.setData(data, points);
  }

  /** A file (and an optional validation file) chosen: the server checks them, then the session takes them. */
  async upload({ name, text, valText, valName }) {
    const { store, session, api, controls, render } = this.page;
    controls.showUploadError('');
    let checking = 'train';
    let classes;
    try {
      ({ classes } = await api.checkDatafile(text));
      checking = 'val';
      if (valText) await api.checkDatafile(valText);
    } catch (err) {
      const which = checking === 'val' ? valName : name;
      // The server names the request part first ("file: line 3: ..."); the file's own name is clearer.
      controls.showUploadError(`${which}: ${err.message.replace(/^(file|text|val_text): /, '')}`);
      return;
    }
    const previous = store.state;
    const withNetwork = classes !== 2 && previous.output === 'sigmoid';
    if (withNetwork) {
      store.set({ output: 'softmax' }, { silent: true });
      controls.sync(store.state);
    }
    try {
      await session.changeData(previous, { source: 'file', name, text, valText, valName }, { withNetwork, label: `upload of ${name}` });
      await render();
    } catch (err) {
      controls.showUploadError(`${name}: ${err.message}`);
    }
  }
}
