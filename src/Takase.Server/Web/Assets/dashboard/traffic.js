// Share of traffic and cost per target over time (GET /api/router/stats): one stacked bar per hour or day, a
// segment per target, the same colour for a target in the bars, the legend and the totals table.

import { element } from '../console/format.js';
import { chart, colour, fillLegend, svg, ticks } from './svg.js';

const WIDTH = 960, HEIGHT = 300, LEFT = 56, RIGHT = 12, TOP = 14, BOTTOM = 42;
const usd = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** The targets of `stats`, ordered by total requests (largest first, then by name), so colours are stable per answer. */
export function targetsOf(stats) {
  const totals = new Map();
  for (const b of stats.buckets) {
    for (const [name, t] of Object.entries(b.targets)) totals.set(name, (totals.get(name) ?? 0) + t.requests);
  }
  return [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || a.localeCompare(b));
}

/** Draws the stacked bars of `metric` ('requests' or 'cost') into `container`. */
export function renderTraffic(container, legend, totalsBody, basis, stats, metric) {
  const targets = targetsOf(stats);
  const value = t => (t ? t[metric] : 0);
  const stacks = stats.buckets.map(b => targets.reduce((sum, name) => sum + value(b.targets[name]), 0));
  const yTicks = ticks(Math.max(...stacks, 0), 4);
  const top = yTicks[yTicks.length - 1];
  const plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / Math.max(stats.buckets.length, 1);
  const y = v => TOP + plotH - (v / top) * plotH;
  const label = `${metric === 'cost' ? 'Estimated cost' : 'Requests'} per target, by ${stats.bucket}`;
  const root = chart(WIDTH, HEIGHT, label);

  for (const t of yTicks) {
    root.append(svg('line', { class: 'grid', x1: LEFT, x2: WIDTH - RIGHT, y1: y(t), y2: y(t) }));
    root.append(svg('text', { x: LEFT - 6, y: y(t) + 4, 'text-anchor': 'end' }, metric === 'cost' ? `$${usd.format(t)}` : t));
  }
  root.append(svg('line', { class: 'axis', x1: LEFT, x2: WIDTH - RIGHT, y1: y(0), y2: y(0) }));

  const labelEvery = Math.ceil(stats.buckets.length / 12);
  stats.buckets.forEach((bucket, i) => {
    const x = LEFT + i * slot;
    const group = svg('g', { class: 'bar', 'data-start': bucket.start });
    let base = 0;
    targets.forEach((name, k) => {
      const t = bucket.targets[name];
      if (!t || value(t) <= 0) return;
      const rect = svg('rect', {
        x: x + slot * 0.12, width: Math.max(slot * 0.76, 1), y: y(base + value(t)), height: y(base) - y(base + value(t)),
        fill: colour(k), 'data-target': name, 'data-requests': t.requests, 'data-cost': t.cost,
      });
      rect.append(svg('title', {}, `${when(bucket.start, stats.bucket)} · ${name}: ${t.requests} request${t.requests === 1 ? '' : 's'}, $${usd.format(t.cost)} estimated`));
      group.append(rect);
      base += value(t);
    });
    root.append(group);
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: x + slot / 2, y: HEIGHT - BOTTOM + 16, 'text-anchor': 'middle' }, tickLabel(bucket.start, stats.bucket)));
    }
  });
  root.append(svg('text', { x: LEFT, y: HEIGHT - 6 }, `times in ${Intl.DateTimeFormat().resolvedOptions().timeZone}`));
  container.replaceChildren(root);
  fillLegend(legend, targets);

  const all = stats.buckets.reduce((sum, b) => sum + Object.values(b.targets).reduce((s, t) => s + t.requests, 0), 0);
  totalsBody.replaceChildren();
  targets.forEach(name => {
    const requests = stats.buckets.reduce((s, b) => s + (b.targets[name]?.requests ?? 0), 0);
    const cost = stats.buckets.reduce((s, b) => s + (b.targets[name]?.cost ?? 0), 0);
    const row = totalsBody.insertRow();
    row.dataset.target = name;
    for (const text of [name, requests, `${((100 * requests) / all).toFixed(1)} %`, usd.format(cost)]) row.append(element('td', null, text));
  });
  if (!targets.length) {
    const row = totalsBody.insertRow();
    const cell = element('td', 'muted', 'No routed requests in this range.');
    cell.colSpan = 4;
    row.append(cell);
  }
  basis.textContent = `Cost is ${stats.cost_basis}.` + (stats.truncated ? ' Only the oldest decisions in range were counted (too many to read at once).' : '');
}

function when(iso, bucket) {
  const date = new Date(iso);
  return bucket === 'day' ? date.toLocaleDateString() : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

function tickLabel(iso, bucket) {
  const date = new Date(iso);
  return bucket === 'day'
    ? date.toLocaleDateString([], { month: 'short', day: 'numeric' })
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
