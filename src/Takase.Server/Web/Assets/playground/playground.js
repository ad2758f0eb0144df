// The playground: one prompt, N models side by side. Each column is its own streaming POST /api/chat, read as NDJSON
// as it arrives, so a slow or failing model never holds up the others; Stop aborts them all.

import { PageApi, keyForm } from '../shared/api.js';
import { element, showMessage } from '../console/format.js';
import { readNdjson } from './ndjson.js';

const api = new PageApi('takase.pages.apiKey');
const key = keyForm(api, loadModels);
const modelList = document.getElementById('model-list');
const modelsError = document.getElementById('models-error');
const runForm = document.getElementById('run-form');
const runButton = document.getElementById('run');
const stopButton = document.getElementById('stop');
const runStatus = document.getElementById('run-status');
const columns = document.getElementById('columns');
let running = null; // the AbortController of the run in progress

document.getElementById('add-model').addEventListener('submit', event => {
  event.preventDefault();
  const input = document.getElementById('add-model-name');
  const name = input.value.trim();
  if (name) addModel(name, 'by name', true);
  input.value = '';
});
runForm.addEventListener('submit', event => {
  event.preventDefault();
  run();
});
stopButton.addEventListener('click', () => running?.abort());

loadModels();

/** Lists the local models and the router profiles (GET /api/tags lists both; a profile's family is "router"). */
async function loadModels() {
  try {
    const tags = await api.json('GET', '/api/tags');
    key.accepted();
    showMessage(modelsError, '');
    const profiles = await profileDetails();
    for (const m of tags.models ?? []) {
      const isProfile = m.details?.family === 'router';
      addModel(m.name, isProfile ? 'router profile' : 'model', false, isProfile ? profiles.get(m.name) : undefined);
    }
    if (!(tags.models ?? []).length) showMessage(modelsError, 'The server has no models; pull or import one, or add one by name.');
  } catch (e) {
    if (!key.handle(e)) showMessage(modelsError, `Could not list the models: ${e.message}`);
  }
}

/** Each profile's strategy and candidates (GET /api/router/profiles), for the checkbox's tooltip; empty where not allowed. */
async function profileDetails() {
  try {
    const { profiles } = await api.json('GET', '/api/router/profiles');
    return new Map((profiles ?? []).map(p => [p.name, `${p.strategy}: ${(p.candidates ?? []).join(' → ')}`]));
  } catch {
    return new Map(); // a client key may not read the router's configuration; the names are enough to run
  }
}

function addModel(name, kind, checked, title) {
  const existing = [...modelList.querySelectorAll('input')].find(i => i.value === name);
  if (existing) {
    existing.checked ||= checked;
    return;
  }
  const label = element('label');
  const box = element('input');
  box.type = 'checkbox';
  box.value = name;
  box.checked = checked;
  label.append(box, ' ', element('span', 'name', name), ' ', element('span', 'kind', kind));
  if (title) label.title = title;
  modelList.append(label);
}

async function run() {
  const models = [...modelList.querySelectorAll('input:checked')].map(i => i.value);
  if (!models.length) {
    runStatus.textContent = 'Pick at least one model.';
    return;
  }
  const request = chatRequest();
  running = new AbortController();
  runButton.disabled = true;
  stopButton.disabled = false;
  runStatus.textContent = `Running ${models.length} model${models.length > 1 ? 's' : ''}…`;
  columns.replaceChildren();
  const started = performance.now();
  const results = await Promise.all(models.map(model => runColumn(model, request, running.signal)));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const stopped = running.signal.aborted;
  running = null;
  runButton.disabled = false;
  stopButton.disabled = true;
  const failed = results.filter(r => r === 'failed').length;
  runStatus.textContent = stopped ? `Stopped after ${seconds} s.`
    : `Done in ${seconds} s${failed ? ` (${failed} failed)` : ''}.`;
}

function chatRequest() {
  const messages = [];
  const system = document.getElementById('system').value.trim();
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: document.getElementById('prompt').value });
  const options = {};
  const number = id => document.getElementById(id).value === '' ? undefined : Number(document.getElementById(id).value);
  if (number('temperature') !== undefined) options.temperature = number('temperature');
  if (number('seed') !== undefined) options.seed = number('seed');
  if (number('num-predict') !== undefined) options.num_predict = number('num-predict');
  return { messages, stream: true, options };
}

/** Streams one model's answer into a new column; resolves to 'done', 'failed' or 'stopped'. */
async function runColumn(model, request, signal) {
  const column = element('article', 'column running');
  column.dataset.model = model;
  const heading = element('h3');
  const state = element('span', 'state', 'waiting…');
  heading.append(element('span', 'model', model), state);
  const routed = element('p', 'routed muted');
  routed.hidden = true;
  const answer = element('div', 'answer');
  const stats = element('p', 'stats');
  const error = element('p', 'error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  column.append(heading, routed, answer, stats, error);
  columns.append(column);

  const finish = (outcome, text) => {
    column.classList.remove('running');
    column.classList.add(outcome);
    state.textContent = text;
    return outcome;
  };
  try {
    const response = await api.send('POST', '/api/chat', { model, ...request }, signal);
    if (!response.ok) throw await PageApi.failure(response, '/api/chat');
    if (response.headers.get('x-takase-route-id')) column.dataset.routeId = response.headers.get('x-takase-route-id');
    state.textContent = 'streaming…';
    let final = null;
    for await (const chunk of readNdjson(response.body)) {
      if (typeof chunk.error === 'string') throw new Error(chunk.error);
      if (chunk.message?.content) answer.append(chunk.message.content);
      if (chunk.done) final = chunk;
    }
    if (!final) throw new Error('the stream ended without its final chunk');
    showFinal(final, stats, routed);
    key.accepted();
    return finish('done', 'done');
  } catch (e) {
    if (signal.aborted) return finish('stopped', 'stopped');
    key.handle(e);
    showMessage(error, e.status ? `${e.status}: ${e.message}` : e.message);
    return finish('failed', 'failed');
  }
}

/** Token counts and speed from the final chunk (durations are nanoseconds), and where a profile routed the request. */
function showFinal(final, stats, routed) {
  const parts = [];
  if (Number.isFinite(final.prompt_eval_count)) parts.push(`${final.prompt_eval_count} prompt tokens`);
  if (Number.isFinite(final.eval_count)) parts.push(`${final.eval_count} tokens`);
  if (final.eval_count > 0 && final.eval_duration > 0) parts.push(`${(final.eval_count / (final.eval_duration / 1e9)).toFixed(1)} tokens/s`);
  if (final.total_duration > 0) parts.push(`${(final.total_duration / 1e6).toFixed(0)} ms in all`);
  if (final.done_reason) parts.push(`stopped: ${final.done_reason}`);
  stats.textContent = parts.join(' · ');
  stats.dataset.evalCount = final.eval_count ?? '';
  const route = final.takase;
  if (route) {
    routed.hidden = false;
    routed.textContent = `routed to ${route.answered_by ?? route.chosen} (${route.strategy}: ${route.reason})`;
    routed.dataset.target = route.answered_by ?? route.chosen;
  }
}
