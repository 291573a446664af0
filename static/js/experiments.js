// The experiment runner page (/experiments): the form, the homework's part-6
// presets (from the lesson file lessons/architecture-experiments.json), the
// run with its progress bar and cancel, and the results.

import { h } from './dom.js';
import { Runner, call } from './experiment-runner.js';
import { archName, renderResults } from './experiment-results.js';
import { TrialMultiples } from './experiment-trials.js';
import { LessonPresenter } from './lesson-presenter.js';
import { fmt } from './notation.js';

const $ = (id) => document.getElementById(id);
const CHOICES = [[], [2], [5], [10], [20], [100], [100, 100], [100, 10]];
const key = (hidden) => hidden.join(',');
const chipId = (hidden) => `arch-${hidden.length ? hidden.join('-') : 'none'}`;

const files = { train: null, val: null }; // {name, text}
let presets = [];
let preset = null;
let runner = null;
let progress = null; // the last progress shown
const TRIAL_GRID = 40; // cells per side of a small multiple (the server may draw fewer)
const trials = new TrialMultiples($('every-trial'), { onOpen: openTrial });

/** The finished run this page shows, in its address (?run=id), so that Back from an opened trial finds it. */
function keepRunInAddress(id) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set('run', id);
  else url.searchParams.delete('run');
  window.history.replaceState(null, '', url);
}

/** Show the finished run the address names again: its trials and its results. */
async function showKeptRun(id) {
  try {
    const [multiples, results] = await Promise.all([
      call('GET', `/api/experiments/${id}/trials?grid=${TRIAL_GRID}`), call('GET', `/api/experiments/${id}/results?grid=80`)]);
    await trials.show(multiples);
    await renderResults($('results-body'), results);
    status(`The run you left: ${results.architectures.map((a) => archName(a.hidden)).join(', ')}. Its trials open in the playground.`, 'info');
  } catch (err) {
    keepRunInAddress(null);
    status(`The run in this address is gone from the server (${err.message}): run it again.`, 'warn');
  }
}

/** Open one finished trial in the playground: a session of its own, exactly that trial. */
async function openTrial(architecture, trial) {
  status(`Opening trial ${trial} in the playground…`, 'info');
  try {
    const opened = await call('POST', `/api/experiments/${trials.data.experiment}/open`, { architecture, trial });
    window.location.assign(`/#trial=${opened.session}&n=${trial}`);
  } catch (err) {
    status(`Trial ${trial} could not be opened: ${err.message}`, 'warn');
  }
}

function status(text, kind = '') {
  $('status').textContent = text;
  $('status').className = `status ${kind}`;
}

/** "8,8; 50" -> [[8, 8], [50]]; throws on anything else. */
export function parseTyped(text) {
  return text.split(';').map((s) => s.trim()).filter(Boolean).map((part) => {
    const sizes = part.replace(/[()[\]\s]/g, '').split(',').filter(Boolean).map(Number);
    if (!sizes.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`"${part}" is not a list of layer sizes`);
    return sizes;
  });
}

function chosenArchitectures() {
  const picked = CHOICES.filter((c) => $(chipId(c)).checked);
  const typed = parseTyped($('typed').value);
  const seen = new Set();
  return [...picked, ...typed].filter((a) => !seen.has(key(a)) && seen.add(key(a)));
}

function parsePoints(text) {
  if (!text.trim()) return null;
  const points = JSON.parse(text);
  if (!Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))) {
    throw new Error('points look like [[x1, x2], [x1, x2], ...]');
  }
  return points;
}

/** The request body from the form. */
function body() {
  const num = (id) => Number($(id).value);
  const data = files.train
    ? { source: 'file', text: files.train.text, ...(files.val ? { val_text: files.val.text } : {}) }
    : { source: 'generated', name: $('dataset').value, n: num('n') };
  const out = {
    data, architectures: chosenArchitectures(), epochs: num('epochs'), trials: num('trials'), split: num('split'),
    seed: num('seed'), optimizer: $('optimizer').value, lr: num('lr'), batch_size: num('batch'),
  };
  const points = parsePoints($('points').value);
  if (points) out.points = points;
  return out;
}

/** The command line that gives the same numbers (python -m engine.experiment). */
function commandLine(b) {
  const hidden = b.architectures.map((a) => (a.length ? a.join(',') : '""')).join(' ');
  const data = b.data.source === 'file'
    ? `--train ${files.train.name}${files.val ? ` --validate ${files.val.name}` : ''}`
    : `${b.data.name} --n ${b.data.n}`;
  const extra = [b.optimizer === 'sgd' ? '(SGD: not in the CLI)' : '', b.lr !== 0.001 ? `--lr ${b.lr}` : '', b.batch_size !== 32 ? `--batch-size ${b.batch_size}` : '', b.points ? `--points "${JSON.stringify(b.points)}"` : ''].filter(Boolean).join(' ');
  return `python -m engine.experiment ${data} --hidden ${hidden} --epochs ${b.epochs} --trials ${b.trials} --split ${b.split} --seed ${b.seed} ${extra}`.trim();
}

function refreshCommand() {
  try {
    $('command').textContent = commandLine(body());
    $('form-error').hidden = true;
  } catch (err) {
    $('command').textContent = '';
  }
}

function describeData() {
  $('data-source').textContent = files.train
    ? `Using ${files.train.name}${files.val ? ` with ${files.val.name} for validation` : ` (validation: the last ${$('split').value} share)`}. Clear a file to go back to a built-in dataset.`
    : `Using the built-in "${$('dataset').value}" (${$('n').value} points, drawn with the seed).${preset ? ` The homework's own files for ${preset.question} are data${preset.homework_data}_train.csv${preset.homework_data === '2' ? ' and data2_validate.csv' : ''}: load them above for the homework's numbers.` : ''}`;
}

function applyPreset(p) {
  preset = p;
  for (const c of CHOICES) $(chipId(c)).checked = p.architectures.some((a) => key(a) === key(c));
  $('typed').value = p.architectures.filter((a) => !CHOICES.some((c) => key(c) === key(a))).map((a) => a.join(',')).join('; ');
  $('epochs').value = String(p.epochs);
  $('trials').value = String(p.trials);
  $('split').value = String(p.split);
  $('points').value = p.points ? JSON.stringify(p.points) : '';
  if (!files.train) $('dataset').value = p.stand_in;
  $('preset-text').textContent = `${p.question}: ${p.text}`;
  document.querySelectorAll('[data-preset]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.preset === p.question)));
  describeData();
  refreshCommand();
}

// The bar and the text say the same thing: the share of all training steps
// done. Trials finish late (the parts run side by side), so they are counted
// apart, as trials complete.
function showProgress(p) {
  progress = p;
  const { fraction, trialsDone, trials, secondsLeft } = p;
  const pct = Math.round(fraction * 1000) / 10;
  $('progress-fill').style.width = `${pct}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(Math.round(pct)));
  const left = secondsLeft === null || fraction === 0 ? 'estimating time left' : fraction >= 1 ? 'done' : `about ${secondsLeft < 90 ? `${Math.ceil(secondsLeft)} s` : `${Math.ceil(secondsLeft / 60)} min`} left`;
  $('progress-text').textContent = `Training ${fmt(pct)}% done (${trialsDone} of ${trials} trials complete) · ${left}`;
  $('progress-bar').setAttribute('aria-valuetext', $('progress-text').textContent);
}

async function run(ev) {
  ev.preventDefault();
  let request;
  try {
    request = body();
    if (!request.architectures.length) throw new Error('choose at least one architecture');
  } catch (err) {
    $('form-error').textContent = err.message;
    $('form-error').hidden = false;
    return;
  }
  $('form-error').hidden = true;
  $('run').disabled = true;
  $('cancel').disabled = false;
  status('Running on the server…', 'info');
  keepRunInAddress(null);
  // the previous run's results go: what shows is always this run's
  $('results-body').replaceChildren(h('p', { class: 'hint' }, 'Running: the summary appears here when the trials are done.'));
  trials.clear(request.trials * request.architectures.length);
  $('progress-bar').classList.remove('stopped');
  showProgress({ fraction: 0, trialsDone: 0, trials: request.trials * request.architectures.length, secondsLeft: null });
  runner = new Runner({
    onProgress: showProgress,
    onTrialDone: async (id) => trials.show(await call('GET', `/api/experiments/${id}/trials?grid=${TRIAL_GRID}`)),
  });
  document.body.dataset.running = 'true';
  try {
    const results = await runner.run(request);
    if (results) {
      status(`Done: ${request.architectures.map(archName).join(', ')}.`, 'info');
      keepRunInAddress(runner.id);
      await renderResults($('results-body'), results);
    }
  } catch (err) {
    $('form-error').textContent = `The server refused: ${err.message}`;
    $('form-error').hidden = false;
    status('');
  } finally {
    $('run').disabled = false;
    $('cancel').disabled = true;
    document.body.dataset.running = 'false';
  }
}

/** Stop the run: the bar stays where it stopped, and the trials that finished show as partial results. */
async function cancel() {
  if (!runner?.running) return;
  $('cancel').disabled = true;
  const partial = await runner.cancel();
  const finished = partial ? partial.architectures.reduce((n, a) => n + a.trials.length, 0) : progress?.trialsDone ?? 0;
  const text = `Cancelled after ${finished} of ${progress?.trials ?? 0} trials`;
  status(`${text}.`, 'warn');
  $('progress-bar').classList.add('stopped');
  $('progress-text').textContent = `${text} · stopped at ${fmt(Math.round((progress?.fraction ?? 0) * 1000) / 10)}% of the training`;
  $('progress-bar').setAttribute('aria-valuetext', $('progress-text').textContent);
  const shown = partial && { ...partial, done: false, architectures: partial.architectures.filter((a) => a.trials.length) };
  if (shown?.architectures.length) await renderResults($('results-body'), shown);
  else $('results-body').replaceChildren(h('p', { class: 'hint', 'data-testid': 'no-results' }, `${text}: no trial had finished, so there are no results.`));
}

async function readFile(input, slot) {
  const file = input.files[0];
  files[slot] = file ? { name: file.name, text: await file.text() } : null;
  if (slot === 'train' && !file) {
    files.val = null;
    $('val-file').value = '';
  }
  describeData();
  refreshCommand();
}

async function start() {
  const [datasets, lesson] = await Promise.all([call('GET', '/api/datasets'), call('GET', '/api/lessons/architecture-experiments')]);
  presets = lesson.presets;
  $('dataset').replaceChildren(...datasets.datasets.filter((d) => d.class_range[0] === d.class_range[1]).map((d) => h('option', { value: d.name, title: d.description }, d.title)));
  $('dataset').value = 'clusters';
  Object.assign($('lr'), { min: String(datasets.limits.lr_min), max: String(datasets.limits.lr_max) });
  $('architectures').replaceChildren(...CHOICES.map((c) => h('label', { class: 'chip' },
    h('input', { type: 'checkbox', id: chipId(c), 'data-testid': chipId(c) }), c.length ? c.join('-') : 'none')));
  $('presets').replaceChildren(...presets.map((p) => h('button', {
    type: 'button', class: 'btn btn-small', 'data-preset': p.question, 'data-testid': `preset-${p.question}`, 'aria-pressed': 'false', onclick: () => applyPreset(p),
  }, p.question)));
  $('form').addEventListener('submit', run);
  $('form').addEventListener('input', () => {
    describeData();
    refreshCommand();
  });
  $('cancel').addEventListener('click', cancel);
  new LessonPresenter($('presenter-toggle'), () => trials.render());
  $('train-file').addEventListener('change', () => readFile($('train-file'), 'train'));
  $('val-file').addEventListener('change', () => readFile($('val-file'), 'val'));
  window.addEventListener('pagehide', () => runner?.running && fetch(`/api/experiments/${runner.id}`, { method: 'DELETE', keepalive: true }));
  const wanted = new URLSearchParams(window.location.search).get('preset');
  const p = presets.find((x) => x.question === wanted);
  if (p) applyPreset(p);
  else {
    $('arch-2').checked = true;
    describeData();
    refreshCommand();
  }
  const kept = new URLSearchParams(window.location.search).get('run');
  if (kept) await showKeptRun(kept);
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  status(`The runner could not start: ${err.message}`, 'warn');
  console.warn(err);
});
