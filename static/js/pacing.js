// The play loop's pace under a busy server. Every answer says how busy the
// server is (`Crease-Busy`, server/busy.py: a request's wait over the
// server's budget, 1 or more is busy). While it stays busy, the page asks for
// more epochs per frame at a lower frame rate: the frame interval doubles (to
// at most MAX_INTERVAL_MS) and the epochs per frame grow by the same factor as
// the interval, so training goes on as fast as it was going while the server
// draws fewer frames. Calm again, it steps back, one level at a time. A frame
// never grows past the server's `Crease-Headroom` (how many times larger the
// last one could have been and still been light, not a heavy request that
// waits its turn: server/heavy.py).
// This is pacing, not a setting: it never touches the state, the link or a
// reload, and a step (+1 epoch, Step) is never scaled.
// bench/load.py's students follow the same rule (a test compares the constants).

export const BUSY = 1; // Crease-Busy at or above this is busy (the server's own budget)
export const CALM = 0.5; // below this, calm (between the two: stay)
export const BUSY_FRAMES = 3; // frames in a row, at a level, before going up
export const CALM_FRAMES = 8; // ... before going down (slower: a class settles instead of swinging)
export const MAX_LEVEL = 3; // at most three doublings of the frame interval
export const MAX_INTERVAL_MS = 240; // never slower than four frames a second and a bit: just above what a crowded class needs, so a full server still leaves it room to pace
export const MIN_STEP = 1.25; // a smaller change is not worth making
export const HEADROOM_USED = 0.8; // of Crease-Headroom: a frame with thumbnails costs more, epochs are rounded

/** Crease-Busy's (or Crease-Headroom's) value, or null when the answer has none. */
export function busyLoad(header) {
  if (header === null || header === undefined || header === '') return null;
  const load = Number(header);
  return Number.isFinite(load) && load >= 0 ? load : null;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export class Pacing {
  constructor() {
    this.reset();
  }

  /** Back to the full pace (play starts here). */
  reset() {
    this.level = 0;
    this.scale = 1; // epochs (or steps) per frame, times the user's amount
    this.intervalMs = 0; // least time between two frames' requests
    this._loads = [];
    this._intervals = [];
    this._headroom = Infinity;
  }

  get busy() {
    return this.level > 0;
  }

  /**
   * One frame answered: load from its Crease-Busy (null: none), intervalMs
   * since the previous frame arrived (null for the first), headroom from its
   * Crease-Headroom (null: none). Returns true when the pace changed.
   */
  observe(load, intervalMs, headroom = null) {
    if (load === null) return false;
    this._headroom = headroom ?? Infinity;
    this._loads.push(load);
    if (intervalMs !== null) this._intervals.push(intervalMs);
    const recentBusy = this._loads.length >= BUSY_FRAMES && this._loads.slice(-BUSY_FRAMES).every((l) => l >= BUSY);
    const recentCalm = this._loads.length >= CALM_FRAMES && this._loads.slice(-CALM_FRAMES).every((l) => l < CALM);
    if (recentBusy && this.level < MAX_LEVEL) return this._slower();
    if (recentCalm && this.level > 0) return this._faster();
    return false;
  }

  _slower() {
    // The interval the page actually got, which under load is longer than the one it asked for.
    const got = Math.max(this.intervalMs, this._intervals.length ? median(this._intervals) : 0);
    // twice as slow, or less: never below the floor of frames a second, and frames that stay light
    const room = MAX_INTERVAL_MS / got; // how much slower it may still go
    const factor = Math.min(2, room, HEADROOM_USED * this._headroom);
    // The last step, to the floor, is taken however small: a class whose
    // frames already come about that slowly (the server full) then spaces them
    // a little more, and the queue behind them drains instead of growing.
    const toFloor = factor === room && room > 1;
    if (!(got > 0) || (factor < MIN_STEP && !toFloor)) return this._hold(); // as slow or as large as it may go
    this.scale *= factor; // the same epochs per second as before
    this.intervalMs = Math.min(MAX_INTERVAL_MS, got * factor);
    this.level += 1;
    return this._changed();
  }

  _faster() {
    this.level -= 1;
    if (this.level === 0) {
      this.scale = 1;
      this.intervalMs = 0;
    } else {
      this.scale = Math.max(1, this.scale / 2);
      this.intervalMs /= 2;
    }
    return this._changed();
  }

  _hold() {
    this._loads = [];
    return false;
  }

  _changed() {
    this._loads = [];
    this._intervals = [];
    return true;
  }

  /**
   * The amount one frame asks for: the user's {epochs: n} or {steps: n}
   * scaled, within the server's limits ({max_epochs, max_steps}, when known).
   */
  amount(base, limits = null) {
    if (this.scale === 1) return base;
    const [[unit, n]] = Object.entries(base);
    const most = limits?.[`max_${unit}`] ?? Infinity;
    return { [unit]: Math.max(n, Math.min(most, Math.round(n * this.scale))) };
  }

  /** How long to wait before asking for the next frame, the last one asked at lastSentAt (ms). */
  delayMs(lastSentAt, now) {
    return lastSentAt === null ? 0 : Math.max(0, lastSentAt + this.intervalMs - now);
  }
}
