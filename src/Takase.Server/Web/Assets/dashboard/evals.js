// Model evaluations compared per category (GET /api/evaluations): for the dataset chosen in the selector (at first the
// one most models ran on), the newest run of each model as a grouped bar chart (a group per category, a bar per model,
// the 95 % interval as a whisker); every model's newest run on every dataset in a table.

import { element } from '../console/format.js';
import { chart, colour, fillLegend, svg } from './svg.js';

const HEIGHT = 280, LEFT = 48, RIGHT = 12, TOP = 14, BOTTOM = 28, GROUP = 26;

/** The newest run per (model, dataset), newest first. */
export function latestRuns(evaluations) {
  const seen = new Map();
  for (const e of [...evaluations].sort((a, b) => String(b.created).localeCompare(String(a.created)))) {
    const key = `${e.model}\u0000${e.dataset}`;
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()];
}

/** The datasets of `runs` (newest runs) with how many models ran on each: the most models first, then by name. */
export function datasetsOf(runs) {
  return [...Map.groupBy(runs, r => r.dataset).entries()]
    .map(([name, ofDataset]) => ({ name, models: ofDataset.length }))
    .sort((a, b) => b.models - a.models || a.name.localeCompare(b.name));
}

/**
 * Offers every dataset in `nodes.select` and draws the chart of `dataset` (when it has runs; else the dataset most
 * models ran on), then fills the table with every newest run's categories. Returns the dataset drawn.
 */
export function renderEvaluations(nodes, evaluations, dataset) {
  const runs = latestRuns(evaluations);
  const datasets = datasetsOf(runs);
  const drawn = datasets.some(d => d.name === dataset) ? dataset : datasets[0].name;
  nodes.select.replaceChildren(...datasets.map(d => {
    const option = element('option', null, `${d.name} (${d.models} model${d.models === 1 ? '' : 's'})`);
    option.value = d.name;
    return option;
  }));
  nodes.select.value = drawn;
  renderChart(nodes.chart, nodes.legend, drawn, runs.filter(r => r.dataset === drawn));
  renderTable(nodes.table, runs);
  return drawn;
}

/** The grouped bars of one dataset's runs (one per model). */
function renderChart(chartContainer, legend, dataset, shown) {
  const models = shown.map(r => r.model);
  const categories = [...new Set(shown.flatMap(r => (r.categories ?? []).map(c => c.category)))];
  if (!categories.length) categories.push('all');
  const width = Math.max(480, LEFT + RIGHT + categories.length * (models.length * GROUP + 24));
  const plotW = width - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / categories.length;
  const y = a => TOP + plotH - a * plotH;
  const root = chart(width, HEIGHT, `Accuracy per category on ${dataset}: ${models.join(', ')}`);
  for (let t = 0; t <= 10; t += 2) {
    root.append(svg('line', { class: 'grid', x1: LEFT, x2: width - RIGHT, y1: y(t / 10), y2: y(t / 10) }));
    root.append(svg('text', { x: LEFT - 6, y: y(t / 10) + 4, 'text-anchor': 'end' }, `${t * 10} %`));
  }
  categories.forEach((category, c) => {
    const groupX = LEFT + c * slot;
    const bar = Math.min(GROUP, (slot - 16) / models.length);
    const start = groupX + (slot - bar * models.length) / 2;
    shown.forEach((run, m) => {
      const row = category === 'all' && !(run.categories ?? []).length
        ? { category, n: run.n, accuracy: run.accuracy, accuracy_low: run.accuracy_low, accuracy_high: run.accuracy_high }
        : (run.categories ?? []).find(k => k.category === category);
      if (!row) return;
      const x = start + m * bar;
      const rect = svg('rect', {
        x: x + 2, width: bar - 4, y: y(row.accuracy), height: y(0) - y(row.accuracy), fill: colour(m),
        'data-model': run.model, 'data-category': category, 'data-accuracy': row.accuracy,
      });
      rect.append(svg('title', {}, `${run.model} · ${category}: ${pct(row.accuracy)} of ${row.n} (95 % ${pct(row.accuracy_low)}–${pct(row.accuracy_high)})`));
      root.append(rect);
      if (Number.isFinite(row.accuracy_low) && Number.isFinite(row.accuracy_high)) {
        const mid = x + bar / 2;
        const whisker = svg('g', { class: 'whisker', 'data-model': run.model, 'data-category': category });
        whisker.append(
          svg('line', { x1: mid, x2: mid, y1: y(row.accuracy_low), y2: y(row.accuracy_high) }),
          svg('line', { x1: mid - 4, x2: mid + 4, y1: y(row.accuracy_low), y2: y(row.accuracy_low) }),
          svg('line', { x1: mid - 4, x2: mid + 4, y1: y(row.accuracy_high), y2: y(row.accuracy_high) }));
        root.append(whisker);
      }
    });
    root.append(svg('text', { x: groupX + slot / 2, y: HEIGHT - BOTTOM + 18, 'text-anchor': 'middle' }, category));
  });
  root.append(svg('line', { class: 'axis', x1: LEFT, x2: width - RIGHT, y1: y(0), y2: y(0) }));
  chartContainer.replaceChildren(root, element('p', 'muted', `${dataset}: the newest run of each model; whiskers are 95 % intervals.`));
  fillLegend(legend, models);
}

/** A row per category of every run in `runs` (a run without categories is one row, "all"). */
function renderTable(table, runs) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const run of runs) {
    const rows = (run.categories ?? []).length ? run.categories
      : [{ category: 'all', n: run.n, correct: Math.round(run.accuracy * run.n), accuracy: run.accuracy, accuracy_low: run.accuracy_low, accuracy_high: run.accuracy_high }];
    for (const k of rows) {
      const row = body.insertRow();
      row.dataset.model = run.model;
      row.dataset.category = k.category;
      for (const text of [run.model, run.dataset, run.mode, k.category, k.n, k.correct, pct(k.accuracy),
        `${pct(k.accuracy_low)}–${pct(k.accuracy_high)}`, new Date(run.created).toLocaleString()]) {
        row.append(element('td', null, text));
      }
    }
  }
  table.hidden = false;
}

function pct(value) {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '—';
}
