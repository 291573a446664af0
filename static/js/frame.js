// Decoding of a Frame (version 1, docs/design.md) into typed arrays the
// renderers draw from. Nothing here touches the DOM.

export const FRAME_VERSION = 1;

/** Bytes of a base64 string. */
export function base64Bytes(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Float32 values of a base64 string of little-endian float32s. */
export function base64Float32(text) {
  const bytes = base64Bytes(text);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** zlib-wrapped deflate, as Python's zlib.compress writes it. */
export async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The grid's two planes: winning class and its confidence (0..255), row i = y. */
export async function decodeGrid(grid) {
  if (grid.encoding !== 'zlib+base64') throw new Error(`unknown grid encoding ${grid.encoding}`);
  const cells = grid.resolution * grid.resolution;
  const bytes = await inflate(base64Bytes(grid.data));
  if (bytes.length !== 2 * cells) throw new Error(`grid has ${bytes.length} bytes, expected ${2 * cells}`);
  return {
    resolution: grid.resolution,
    nClasses: grid.n_classes,
    classes: bytes.subarray(0, cells),
    confidence: bytes.subarray(cells),
  };
}

/**
 * The "active" view: {resolution, units, counts}, counts[i*R + j] the number of
 * first-layer units with z > 0 in cell (row i = y); uint16, as a layer may
 * have more than 255 units.
 */
export async function decodeActive(active) {
  if (!active) return null;
  if (active.encoding !== 'zlib+base64+uint16le') throw new Error(`unknown active encoding ${active.encoding}`);
  const cells = active.resolution * active.resolution;
  const bytes = await inflate(base64Bytes(active.data));
  if (bytes.length !== 2 * cells) throw new Error(`active view has ${bytes.length} bytes, expected ${2 * cells}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Uint16Array.from({ length: cells }, (_, k) => view.getUint16(2 * k, true));
  return { resolution: active.resolution, units: active.units, counts };
}

/** Float64 values of a base64 string of little-endian float64s. */
export function base64Float64(text) {
  const bytes = base64Bytes(text);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/**
 * Weights as {m, n, W (m*n row-major: W[i*n + j] is input i -> unit j), W0 (n)},
 * in the run's own precision: exact, so resume, undo and links keep every bit.
 */
export function decodeWeights(weights) {
  const decode = (text, dtype) => (dtype === 'float32' ? base64Float32(text) : base64Float64(text));
  return weights.map(({ shape: [m, n], dtype, W, W0 }) => ({ m, n, W: decode(W, dtype), W0: decode(W0, dtype) }));
}

/**
 * First-layer unit lines, one object per unit: {unit, w: [w1, w2], b, segment:
 * [[x, y], [x, y]] | null}. A frame sends 4 float32s per unit [x0, y0, x1, y1]
 * (NaNs: no line): the segment in the view; w and b come from W^1. Where the
 * labels go is the page's choice (line-labels.js).
 */
export function decodeLines(lines, firstLayer) {
  if (!lines) return [];
  if (lines.encoding !== 'float32+base64') throw new Error(`unknown lines encoding ${lines.encoding}`);
  const { n, W, W0 } = firstLayer;
  const table = base64Float32(lines.data);
  if (table.length !== 4 * lines.units) throw new Error(`lines have ${table.length} numbers, expected ${4 * lines.units}`);
  return Array.from({ length: lines.units }, (_, unit) => {
    const row = table.subarray(4 * unit, 4 * unit + 4);
    const shown = !Number.isNaN(row[0]);
    return {
      unit,
      w: [W[unit], W[n + unit]],
      b: W0[unit],
      segment: shown ? [[row[0], row[1]], [row[2], row[3]]] : null,
    };
  });
}

export function decodeThumbnails(thumbnails) {
  return thumbnails.map((t) => ({ layer: t.layer, size: t.size, scale: t.scale, data: base64Bytes(t.data) }));
}

/** Everything a frame says, decoded. Optional parts are null when absent. */
const ID_TYPES = { 'zlib+base64+uint16le': 2, 'zlib+base64+uint32le': 4 };

/**
 * A frame's `regions` decoded: {count, reluUnits, dead (per hidden layer, unit
 * indices), deadCount, ids: null | {resolution, palette, cells (R*R, row i = y),
 * tints (one per region)}}; null when the frame has none.
 */
export async function decodeRegions(regions) {
  if (!regions) return null;
  const out = {
    count: regions.count,
    reluUnits: regions.relu_units,
    dead: regions.dead,
    deadCount: regions.dead.reduce((sum, layer) => sum + layer.length, 0),
    ids: null,
  };
  const ids = regions.ids;
  if (ids) {
    const size = ID_TYPES[ids.encoding];
    if (!size) throw new Error(`unknown region id encoding ${ids.encoding}`);
    const bytes = await inflate(base64Bytes(ids.data));
    const n = ids.resolution * ids.resolution;
    if (bytes.length !== size * n) throw new Error(`region ids have ${bytes.length} bytes, expected ${size * n}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cells = size === 2 ? new Uint16Array(n) : new Uint32Array(n);
    for (let k = 0; k < n; k++) cells[k] = size === 2 ? view.getUint16(2 * k, true) : view.getUint32(4 * k, true);
    out.ids = { resolution: ids.resolution, palette: ids.palette, cells, tints: base64Bytes(ids.tints) };
  }
  return out;
}

export async function decodeFrame(frame) {
  if (frame.version !== FRAME_VERSION) throw new Error(`frame version ${frame.version}, page speaks ${FRAME_VERSION}`);
  const weights = decodeWeights(frame.weights);
  return {
    session: frame.session,
    resumed: Boolean(frame.resumed),
    counters: frame.counters,
    advance: frame.advance ?? null,
    degraded: frame.degraded ?? null,
    state: frame.state,
    divergedAt: frame.diverged_at ?? null,
    metrics: frame.metrics,
    history: frame.history ?? null,
    extent: frame.extent,
    grid: frame.grid ? await decodeGrid(frame.grid) : null,
    lines: decodeLines(frame.lines, weights[0]),
    boundary: frame.boundary ?? [],
    curves: frame.curves ?? null,
    thumbnails: frame.thumbnails ? decodeThumbnails(frame.thumbnails) : null,
    regions: await decodeRegions(frame.regions),
    weights,
    layers: frame.layers,
    predictions: frame.predictions ? base64Bytes(frame.predictions) : null,
    dataRevision: frame.data?.revision ?? null,
    points: frame.points ?? null,
  };
}
