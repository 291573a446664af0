// The diagram's links: which to draw (all, or the strongest of a dense layer),
// how thick, and painting them on the links canvas (hundreds of SVG lines
// rewritten every frame cost too much).

import { LINK_LIMIT, linkSegment, visibleLinks } from './network-layout.js';
import { NEGATIVE, POSITIVE } from './palette.js';

/**
 * The links to draw per layer from decoded weights [{m, n, W}], placed on
 * `layout`, with the caption naming thinned layers. Returns {drawn: per layer
 * [{i, j, w, segment, width, alpha}], caption}.
 */
export function chooseLinks(weights, layout) {
  const thinned = [];
  const drawn = weights.map((layer, index) => {
    const { links, total } = visibleLinks(layer);
    if (links.length < total) thinned.push({ layer: index + 1, shown: links.length, total });
    const dense = total > 120;
    const max = Math.max(0.5, ...links.map((k) => Math.abs(k.w)));
    return links.map((k) => ({
      ...k,
      segment: linkSegment(layout, index + 1, k.i, k.j),
      width: (dense ? 0.3 : 0.6) + (dense ? 2 : 5) * Math.min(1, Math.abs(k.w) / max),
      alpha: dense ? 0.45 : 0.85,
    }));
  });
  const caption = thinned.length === 1
    ? `layer ${thinned[0].layer}: the ${thinned[0].shown} strongest of ${thinned[0].total} links`
    : thinned.length ? `layers ${thinned.map((t) => t.layer).join(', ')}: the ${LINK_LIMIT} strongest links of each` : '';
  return { drawn, caption };
}

/** Stroke the drawn links into ctx: blue positive, orange negative. fades: per layer, a factor on their opacity. */
export function paintLinks(ctx, drawn, fades = null) {
  ctx.lineCap = 'round';
  for (const [index, links] of drawn.entries()) {
    const fade = fades ? fades[index] : 1;
    if (!fade) continue;
    for (const k of links) {
      const [x1, y1, x2, y2] = k.segment;
      ctx.globalAlpha = k.alpha * fade;
      ctx.strokeStyle = k.w >= 0 ? POSITIVE : NEGATIVE;
      ctx.lineWidth = k.width;
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}
