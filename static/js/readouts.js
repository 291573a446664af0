// The numbers a class reads from the back of the room (epoch, loss, accuracy)
// and the one-line status (retrying, resumed, diverged, errors).

import { creasesText } from './creases.js';
import { formatNumber } from './dom.js';

const $ = (id) => document.getElementById(id);

export function showNumbers(frame) {
  const { counters, metrics } = frame;
  $('epoch-count').textContent = String(counters.epoch);
  $('step-count').textContent = String(counters.step);
  $('train-loss').textContent = formatNumber(metrics.train_loss);
  $('val-loss').textContent = formatNumber(metrics.val_loss);
  $('train-acc').textContent = formatNumber(metrics.train_acc);
  $('val-acc').textContent = formatNumber(metrics.val_acc);
  const creases = creasesText(frame.regions);
  $('creases-readout').textContent = creases;
  $('creases-readout').hidden = !creases;
}

export function showPlaying(playing) {
  const button = $('play');
  button.setAttribute('aria-pressed', String(playing));
  button.querySelector('.play-icon').textContent = playing ? '❚❚' : '▶';
  button.querySelector('.play-label').textContent = playing ? 'Pause' : 'Play';
}

/** What a frame drawn coarser than asked (its `degraded` field) says to the user; null if none. */
export function degradedNote(degraded) {
  if (!degraded) return null;
  const { asked, drawn } = degraded;
  const changes = [];
  if (drawn.grid !== asked.grid) changes.push(`grid ${drawn.grid} (asked ${asked.grid})`);
  if (drawn.thumb !== asked.thumb) changes.push(`thumbnails ${drawn.thumb} px (asked ${asked.thumb})`);
  const dropped = asked.include.filter((extra) => !drawn.include.includes(extra));
  if (dropped.length) changes.push(`without ${dropped.join(', ')}`);
  return `Drawn coarser to stay within the server's ${degraded.budget_ms} ms budget: ${changes.join('; ')}.`;
}

export class Status {
  constructor(el) {
    this.el = el;
    this.timer = null;
    this.sticky = null;
  }

  /** kind: 'info' | 'warn' | ''; seconds: clear after this long (0 = keep). */
  show(text, kind = '', seconds = 6) {
    clearTimeout(this.timer);
    this.el.textContent = text;
    this.el.className = `status ${kind}`;
    this.el.title = text;
    if (seconds) this.timer = setTimeout(() => this.show(this.sticky?.text ?? '', this.sticky?.kind ?? '', 0), seconds * 1000);
  }

  /** A message that stays until replaced (e.g. "diverged"); null clears it. */
  setSticky(text, kind = 'warn') {
    if ((this.sticky?.text ?? null) === (text ?? null)) return;
    const showing = this.sticky && this.el.textContent === this.sticky.text;
    this.sticky = text ? { text, kind } : null;
    if (text) this.show(text, kind, 0);
    else if (showing) this.show('', '', 0);
  }
}
