// The norms profiles, read-only (GET /api/admin/norms, admin keys only): each profile with its versions, the active
// one's overlays and rules, and who follows which. Editing stays in the admin API, where every change is audited.

import { element, formatTime, showMessage } from './format.js';

export class NormsView {
  #api;
  #root = document.getElementById('norms-view');
  #list = document.getElementById('norms-list');
  #error = document.getElementById('norms-error');
  #generation = 0;

  constructor(api) {
    this.#api = api;
  }

  async show() {
    this.#root.hidden = false;
    const generation = ++this.#generation;
    try {
      const result = await this.#api.norms();
      if (generation !== this.#generation || this.#root.hidden) return;
      this.#render(result?.profiles ?? [], result?.assignments ?? []);
      showMessage(this.#error, '');
    } catch (e) {
      if (generation !== this.#generation) return;
      this.#list.replaceChildren();
      showMessage(this.#error, e.status === 403
        ? 'The norms profiles are shown to admin keys only; log in with an admin key to see them.'
        : `Could not read the norms profiles (${e.status}): ${e.message}`);
    }
  }

  hide() {
    this.#root.hidden = true;
    this.#generation++;
  }

  #render(versions, assignments) {
    this.#list.replaceChildren();
    const byName = new Map();
    for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
    if (byName.size === 0) {
      this.#list.append(element('p', 'muted', 'No norms profiles are configured.'));
      return;
    }
    for (const [name, all] of byName) {
      const active = all.find(v => v.active) ?? all[all.length - 1];
      const card = element('article', 'norms-profile');
      card.dataset.norms = name;
      const head = element('h3', null, name);
      head.append(' ', element('span', 'badge version', `version ${active.version}`));
      card.append(head);
      const followers = assignments.filter(a => a.norms.toLowerCase() === name.toLowerCase())
        .map(a => `${a.kind === 'key' ? 'key' : 'router profile'} ${a.subject}`);
      card.append(element('p', 'followers muted', followers.length ? `Followed by: ${followers.join(', ')}` : 'Not assigned directly (router profiles may name it).'));
      card.append(element('p', 'versions muted', 'Versions: ' + all.map(v =>
        `${v.version}${v.version === 0 ? ' (configuration)' : ` (${formatTime(v.created_at)}, ${v.author})`}`).join(' · ')));
      const definition = active.definition ?? {};
      for (const o of definition.overlays ?? []) card.append(element('p', 'overlay', `${o.position}: ${o.text ?? ''}`));
      for (const [stage, rules] of [['Input', definition.input ?? []], ['Output', definition.output ?? []]]) {
        if (rules.length === 0) continue;
        card.append(element('h4', null, `${stage} rules (first match wins)`));
        const list = element('ol', `rules ${stage.toLowerCase()}`);
        for (const r of rules) list.append(element('li', null, `${r.name}: ${matchOf(r)} → ${actionOf(r)}`));
        card.append(list);
      }
      this.#list.append(card);
    }
  }
}

function matchOf(rule) {
  if (rule.keywords?.length) return `keywords ${rule.keywords.map(k => `“${k}”`).join(', ')}`;
  if (rule.regex) return `regex /${rule.regex}/`;
  if (rule.classifier) return `classifier ${rule.classifier.target} says ${(rule.classifier.labels ?? []).join(' or ')}`;
  return 'nothing';
}

function actionOf(rule) {
  const action = String(rule.action ?? '').toLowerCase();
  switch (action) {
    case 'rewrite': return `rewrite to “${rule.replacement ?? ''}”`;
    case 'refuse': return `refuse: “${rule.message ?? ''}”`;
    case 'route': return `route to ${rule.target}`;
    default: return action;
  }
}
