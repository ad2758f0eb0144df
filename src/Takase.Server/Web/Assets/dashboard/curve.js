// The newest `router eval` run (GET /api/router/evaluations): quality against the share of calls sent to the strong
// model — the cost knob — as a line, the random router's straight line for reference, each CPT (the share needed to
// recover 20/50/80 % of the weak–strong gap) as a dashed vertical, and APGR in the heading. Cost per point is on
// the lower axis and in each point's tooltip.

import { element } from '../console/format.js';
import { chart, svg } from './svg.js';

const WIDTH = 720, HEIGHT = 380, LEFT = 60, RIGHT = 40, TOP = 20, BOTTOM = 64;
const number = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** The newest of `evaluations` by its created time. */
export function newest(evaluations) {
  return [...evaluations].sort((a, b) => String(b.created).localeCompare(String(a.created)))[0];
}

/** The curve of `run` as a figure: a caption naming the run with APGR and CPT, and the chart. */
export function renderCurve(run) {
  const figure = element('figure', 'curve');
  figure.dataset.evaluationId = run.id;
  const points = [...(run.curve ?? [])].sort((a, b) => a.strong_share - b.strong_share);
  const cpt = Object.entries(run.cpt ?? {}).filter(([, share]) => Number.isFinite(share)).sort(([a], [b]) => Number(a) - Number(b));
  const caption = element('figcaption');
  caption.append(element('strong', null, `${run.profile} · ${run.strategy} on ${run.dataset}`), ' ');
  caption.append(element('span', 'apgr', `APGR ${number.format(run.apgr)}`), ' · ');
  caption.append(element('span', 'cpt', cpt.length ? cpt.map(([x, share]) => `CPT(${x} %) = ${percent(share)} strong calls`).join(', ') : 'CPT not reached'));
  caption.append(element('span', 'muted', ` · ${new Date(run.created).toLocaleString()}`));
  figure.append(caption);
  if (points.length < 2) {
    figure.append(element('p', 'muted', 'This run recorded fewer than two curve points; nothing to draw.'));
    return figure;
  }

  const qualities = points.map(p => p.quality);
  let lo = Math.min(...qualities), hi = Math.max(...qualities);
  const pad = (hi - lo) * 0.08 || Math.max(Math.abs(hi) * 0.05, 0.05);
  lo -= pad;
  hi += pad;
  const plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
  const x = share => LEFT + share * plotW;
  const y = q => TOP + ((hi - q) / (hi - lo)) * plotH;
  const root = chart(WIDTH, HEIGHT, `Quality against the share of strong calls for ${run.profile} (${run.strategy}), APGR ${number.format(run.apgr)}`);

  for (let t = 0; t <= 10; t += 2) {
    const share = t / 10;
    root.append(svg('line', { class: 'grid', x1: x(share), x2: x(share), y1: TOP, y2: TOP + plotH }));
    root.append(svg('text', { x: x(share), y: TOP + plotH + 16, 'text-anchor': 'middle' }, `${t * 10} %`));
    root.append(svg('text', { x: x(share), y: TOP + plotH + 30, 'text-anchor': 'middle', class: 'cost-tick' }, `$${number.format(costAt(points, share))}`));
  }
  for (let i = 0; i <= 4; i++) {
    const q = lo + ((hi - lo) * i) / 4;
    root.append(svg('line', { class: 'grid', x1: LEFT, x2: LEFT + plotW, y1: y(q), y2: y(q) }));
    root.append(svg('text', { x: LEFT - 6, y: y(q) + 4, 'text-anchor': 'end' }, number.format(q)));
  }
  root.append(svg('text', { x: LEFT + plotW / 2, y: HEIGHT - 8, 'text-anchor': 'middle' }, 'calls to the strong model (cost per request below)'));

  const first = points[0], last = points[points.length - 1];
  root.append(svg('line', { class: 'random', x1: x(first.strong_share), y1: y(first.quality), x2: x(last.strong_share), y2: y(last.quality) }));
  for (const [fraction, share] of cpt) {
    root.append(svg('line', { class: 'cpt', 'data-cpt': fraction, x1: x(share), x2: x(share), y1: TOP, y2: TOP + plotH }));
    root.append(svg('text', { x: x(share) + 3, y: TOP + 12 }, `CPT(${fraction} %)`));
  }
  root.append(svg('polyline', { class: 'curve', points: points.map(p => `${x(p.strong_share)},${y(p.quality)}`).join(' ') }));
  for (const p of points) {
    const dot = svg('circle', { cx: x(p.strong_share), cy: y(p.quality), r: 3, fill: '#2458c6', 'data-share': p.strong_share, 'data-quality': p.quality });
    dot.append(svg('title', {}, `${percent(p.strong_share)} strong calls: quality ${number.format(p.quality)}, cost $${number.format(p.cost)}`));
    root.append(dot);
  }
  figure.append(root);
  return figure;
}

/** The curve's cost at `share`, interpolated between its points (points sorted by share). */
function costAt(points, share) {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1], b = points[i];
    if (share <= b.strong_share) {
      const span = b.strong_share - a.strong_share;
      return span > 0 ? a.cost + ((share - a.strong_share) / span) * (b.cost - a.cost) : a.cost;
    }
  }
  return points[points.length - 1].cost;
}

function percent(share) {
  return `${(share * 100).toFixed(0)} %`;
}
