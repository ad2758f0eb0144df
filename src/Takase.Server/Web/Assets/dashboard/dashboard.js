// The routing dashboard: traffic and cost per target over time, the recent decisions with their explanations, and
// the evaluations (the router's quality-vs-cost curve; models compared per category at #/evals). Everything is drawn
// here from the server's JSON; the explanation and its highlighted words are the operator console's own modules.

import { PageApi, keyForm } from '../shared/api.js';
import { element, formatTime, showMessage } from '../console/format.js';
import { highlighted, signed } from '../console/highlight.js';
import { renderExplanation } from '../console/explanation.js';
import { renderTraffic } from './traffic.js';
import { newest, renderCurve } from './curve.js';
import { renderEvaluations } from './evals.js';

const api = new PageApi('takase.pages.apiKey');
const key = keyForm(api, show);
const $ = id => document.getElementById(id);
let selected = null; // the id of the decision whose details are open
let evaluations = []; // the model evaluations last loaded, redrawn for another dataset without asking again

$('stats-range').addEventListener('change', loadStats);
$('stats-metric').addEventListener('change', loadStats);
$('decisions-refresh').addEventListener('click', () => { loadDecisions(); loadStats(); });
$('evals-dataset').addEventListener('change', () => drawEvaluations($('evals-dataset').value));
window.addEventListener('hashchange', show);

show();

async function show() {
  const evals = location.hash === '#/evals';
  $('routing-view').hidden = evals;
  $('evals-view').hidden = !evals;
  $(evals ? 'tab-evals' : 'tab-routing').setAttribute('aria-current', 'page');
  $(evals ? 'tab-routing' : 'tab-evals').removeAttribute('aria-current');
  const passed = await Promise.all(evals ? [loadEvaluations()] : [loadStats(), loadDecisions(), loadCurve()]);
  // The sections need different roles (evaluations: any key; decisions and stats: operator), so the key form closes
  // only when every load of the view passed the key check — one that any key may read must not hide a refusal.
  if (passed.every(ok => ok)) key.accepted();
}

/**
 * Runs `load`; a 401/403 opens the key form, anything else is shown in `errorNode`. Resolves to false when the key
 * was refused (or missing), true otherwise.
 */
async function guarded(errorNode, what, load) {
  try {
    await load();
    showMessage(errorNode, '');
    return true;
  } catch (e) {
    if (key.handle(e)) return false;
    showMessage(errorNode, `Could not load ${what}: ${e.message}`);
    return true;
  }
}

function loadStats() {
  const [bucket, count] = $('stats-range').value.split(':');
  const hours = bucket === 'day' ? Number(count) * 24 : Number(count);
  const since = new Date(Date.now() - (hours - 1) * 3_600_000).toISOString();
  return guarded($('stats-error'), 'the traffic per target', async () => {
    const stats = await api.json('GET', `/api/router/stats?bucket=${bucket}&since=${encodeURIComponent(since)}`);
    renderTraffic($('stats-chart'), $('stats-legend'), $('stats-totals').tBodies[0], $('stats-basis'), stats, $('stats-metric').value);
  });
}

function loadDecisions() {
  return guarded($('decisions-error'), 'the recent decisions', async () => {
    const { routes } = await api.json('GET', '/api/routes?limit=50');
    const body = $('decisions-body');
    body.replaceChildren();
    for (const route of routes) body.append(decisionRow(route));
    $('decisions-empty').hidden = routes.length > 0;
    $('decisions-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    const open = routes.find(r => r.id === selected);
    if (open) showDetail(open);
    else $('decision-detail').hidden = true;
  });
}

function decisionRow(route) {
  const row = element('tr', 'clickable');
  row.dataset.routeId = route.id;
  row.tabIndex = 0;
  const cells = [
    formatTime(route.created_at), route.profile, route.strategy, route.answered_by ?? route.chosen,
    route.score === undefined || route.score === null ? '—' : route.score.toFixed(3),
  ];
  for (const text of cells) row.append(element('td', null, text));
  const words = element('td', 'words');
  words.append(...wordMarks(route));
  row.append(words, element('td', 'reason', route.reason));
  row.addEventListener('click', () => showDetail(route));
  row.addEventListener('keydown', event => { if (event.key === 'Enter') showDetail(route); });
  return row;
}

/**
 * The text contributions as marks, strongest first. Decisions do not keep the prompt (it may hold personal data), so
 * each word is marked on its own — by the console's highlight module, with the same colours and tooltips.
 */
function wordMarks(route) {
  return (route.contributions ?? []).filter(c => c.text).map(c =>
    highlighted(c.text, [{ start: 0, end: c.text.length, contribution: c }]));
}

function showDetail(route) {
  selected = route.id;
  for (const row of $('decisions-body').rows) row.classList.toggle('selected', row.dataset.routeId === route.id);
  const detail = $('decision-detail');
  detail.replaceChildren(element('h3', null, `Decision ${route.id}`));
  const words = element('p', 'words');
  const texts = (route.contributions ?? []).filter(c => c.text);
  words.append(texts.length ? 'Words that moved the score: ' : 'No words moved the score (a rules-only decision).', ...wordMarks(route));
  if (texts.length) words.title = texts.map(c => `${c.text} ${signed(c.weight)}`).join(', ');
  // Every text contribution is marked above, so the explanation lists none as unmarked.
  detail.append(words, renderExplanation(route, new Set(texts)));
  detail.hidden = false;
}

/** The newest router evaluation's curve, or the empty state when none is recorded (404 or an empty list). */
function loadCurve() {
  return guarded($('curve-error'), 'the router evaluations', async () => {
    const evaluations = await listOrEmpty('/api/router/evaluations');
    $('curve-empty').hidden = evaluations.length > 0;
    $('curve').replaceChildren(...(evaluations.length ? [renderCurve(newest(evaluations))] : []));
  });
}

function loadEvaluations() {
  return guarded($('evals-error'), 'the model evaluations', async () => {
    evaluations = await listOrEmpty('/api/evaluations');
    $('evals-empty').hidden = evaluations.length > 0;
    $('evals-toolbar').hidden = evaluations.length === 0;
    if (evaluations.length) drawEvaluations($('evals-dataset').value);
    else {
      $('evals-chart').replaceChildren();
      $('evals-legend').replaceChildren();
      $('evals-table').hidden = true;
    }
  });
}

/** The evaluations of `dataset` (the one chosen; at first none, so the one most models ran on) and the table of all. */
function drawEvaluations(dataset) {
  renderEvaluations({ chart: $('evals-chart'), legend: $('evals-legend'), table: $('evals-table'), select: $('evals-dataset') }, evaluations, dataset);
}

/** `{"evaluations": [...]}` from `path`, or [] when the server has no such endpoint (404). */
async function listOrEmpty(path) {
  try {
    return (await api.json('GET', path))?.evaluations ?? [];
  } catch (e) {
    if (e.status === 404) return [];
    throw e;
  }
}
