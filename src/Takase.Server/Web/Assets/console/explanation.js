// The routing explanation of a ticket (the JSON of GET /api/routes/{id}): why the router chose what it chose, every
// candidate with its predicted quality and cost or the reason it was left out, the inputs that moved the score, and
// each attempt made while answering.

import { element } from './format.js';
import { signed } from './highlight.js';

/**
 * The explanation as an element. `marked` holds the contributions highlighted in the conversation, so the list can
 * say which ones are marked there.
 */
export function renderExplanation(route, marked) {
  const root = element('div', 'explanation');
  root.append(element('p', 'reason', route.reason));

  const facts = element('dl', 'facts');
  fact(facts, 'Profile', route.profile);
  fact(facts, 'Strategy', route.strategy);
  fact(facts, 'Chosen', route.chosen);
  if (route.answered_by) fact(facts, 'Answered by', route.answered_by);
  if (route.order?.length) fact(facts, 'Order', route.order.join(' → '));
  if (route.score !== undefined && route.score !== null) {
    const thresholds = route.thresholds?.length ? ` (thresholds ${route.thresholds.map(t => t.toFixed(2)).join(', ')})` : '';
    fact(facts, 'Score', route.score.toFixed(3) + thresholds);
  }
  if (route.applied_rules?.length) fact(facts, 'Rules', route.applied_rules.join(', '));
  if (route.norms) {
    const n = route.norms;
    fact(facts, 'Norms', `${n.name} v${n.version}` + (n.rule ? ` — ${n.stage} rule ${n.rule}: ${n.action}` : ''));
  }
  fact(facts, 'Route id', route.id);
  root.append(facts);

  root.append(element('h4', null, 'Candidates'));
  root.append(table(['Target', 'Quality', 'Cost (USD)', 'Status'], route.candidates ?? [], (row, c) => {
    row.classList.add(c.eligible ? 'eligible' : 'excluded');
    row.dataset.target = c.target;
    cell(row, c.target);
    cell(row, c.predicted_quality === undefined || c.predicted_quality === null ? '—' : c.predicted_quality.toFixed(3));
    cell(row, formatCost(c.estimated_cost));
    cell(row, c.eligible ? (c.target === route.chosen ? 'chosen' : 'eligible') : `excluded: ${c.excluded_because ?? 'not eligible'}`);
  }));

  const contributions = route.contributions ?? [];
  if (contributions.length) {
    root.append(element('h4', null, 'What moved the score'));
    const list = element('ol', 'contributions');
    for (const c of contributions) {
      const item = element('li', c.weight >= 0 ? 'pushes-up' : 'pushes-down');
      item.append(element('span', 'weight', signed(c.weight)), ' ');
      item.append(element(c.text ? 'q' : 'span', 'feature', c.text ?? c.feature));
      if (c.text && !marked.has(c)) item.append(' ', element('span', 'muted', '(not marked: overlaps a stronger one or not in the message)'));
      list.append(item);
    }
    root.append(list);
  }

  if (route.privacy) {
    root.append(element('h4', null, 'Privacy'));
    const entities = route.privacy.entities ?? [];
    root.append(element('p', null, entities.length
      ? entities.map(e => `${e.type} ×${e.count}: ${e.action}`).join('; ') + (route.privacy.local_only ? ' — local targets only' : '')
      : 'No personal data found.'));
  }

  root.append(element('h4', null, 'Attempts'));
  if (route.hops?.length) {
    root.append(table(['Target', 'Outcome', 'Time', 'Error'], route.hops, (row, h) => {
      row.classList.add(h.outcome === 'ok' ? 'eligible' : 'excluded');
      cell(row, h.target);
      cell(row, h.outcome);
      cell(row, `${Number(h.elapsed_ms).toFixed(0)} ms`);
      cell(row, h.error ?? '');
    }));
  } else {
    root.append(element('p', 'muted', 'None recorded.'));
  }
  return root;
}

function fact(list, name, value) {
  list.append(element('dt', null, name), element('dd', null, value));
}

function table(headings, rows, fill) {
  const t = element('table', 'compact');
  const head = t.createTHead().insertRow();
  for (const h of headings) head.append(element('th', null, h));
  const body = t.createTBody();
  for (const r of rows) fill(body.insertRow(), r);
  return t;
}

function cell(row, text) {
  row.append(element('td', null, text));
}

// Costs of one request are often fractions of a cent: three significant digits, never exponent notation.
const costFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

function formatCost(usd) {
  const value = Number(usd);
  return Number.isFinite(value) ? costFormat.format(value) : '—';
}
