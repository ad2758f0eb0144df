// Second opinions: the operator asks another local or remote target for a draft of the same ticket, sees the two
// latest drafts from different targets side by side, and says which is better — a preference the router learns from.
// Either draft can go into the answer box. Nothing the operator typed is lost: "use this draft" types into the box,
// so Ctrl+Z brings the earlier text back.

import { element, formatTime, showMessage } from './format.js';

export class SecondOpinion {
  #api;
  #ticketId = () => null;
  #useText;
  #onError;
  #refreshNow;
  #el = Object.fromEntries([
    'opinion-target', 'opinion-ask', 'opinion-result', 'compare-panel', 'compare-result',
  ].map(id => [id, document.getElementById(id)]));
  #sides = ['a', 'b'].map(side => ({
    root: document.getElementById(`compare-${side}`),
    target: document.querySelector(`#compare-${side} .target`),
    time: document.querySelector(`#compare-${side} time`),
    text: document.querySelector(`#compare-${side} .draft`),
    prefer: document.querySelector(`#compare-${side} .prefer`),
    use: document.querySelector(`#compare-${side} .use`),
  }));
  #pair = null; // the two drafts shown: [A, B]
  #targets = null; // the targets, once loaded

  /**
   * ticketId: the ticket shown; useText(text): puts a draft in the answer box; onError(action, error): shows a
   * failure; refreshNow(): reloads the ticket.
   */
  constructor(api, { ticketId, useText, onError, refreshNow }) {
    this.#api = api;
    this.#ticketId = ticketId;
    this.#useText = useText;
    this.#onError = onError;
    this.#refreshNow = refreshNow;
    this.#el['opinion-ask'].addEventListener('click', () => this.#ask());
    this.#sides.forEach((side, i) => {
      side.prefer.addEventListener('click', () => this.#prefer(i));
      side.use.addEventListener('click', () => this.#pair && this.#useText(this.#pair[i].content));
    });
  }

  /** A new ticket is shown: forget the old results, and load the targets if they are not yet known. */
  reset() {
    showMessage(this.#el['opinion-result'], '');
    showMessage(this.#el['compare-result'], '');
    this.#pair = null;
    if (this.#targets === null) this.#loadTargets();
  }

  /** Shows the two latest drafts from different targets, when the ticket has them. */
  render({ ticket, drafts }) {
    const closed = ticket.status === 'closed';
    this.#el['opinion-ask'].disabled = closed || !this.#targets?.length;
    const pair = latestPair(drafts ?? []);
    this.#el['compare-panel'].hidden = !pair;
    const changed = JSON.stringify(pair?.map(d => d.seq)) !== JSON.stringify(this.#pair?.map(d => d.seq));
    this.#pair = pair;
    if (!pair) return;
    // A new pair is a new question: the verdict on the previous one no longer applies.
    if (changed) showMessage(this.#el['compare-result'], '');
    pair.forEach((draft, i) => {
      const side = this.#sides[i];
      side.root.dataset.target = draft.target ?? '';
      side.target.textContent = draft.target ?? 'unknown target';
      side.time.textContent = formatTime(draft.created_at);
      side.text.textContent = draft.content;
    });
  }

  async #loadTargets() {
    const select = this.#el['opinion-target'];
    try {
      const { targets } = await this.#api.targets();
      this.#targets = targets;
      select.replaceChildren(...targets.map(t => {
        const option = element('option', null, `${t.name} (${t.kind}, ${t.privacy})`);
        option.value = t.name;
        return option;
      }));
      if (!targets.length) showMessage(this.#el['opinion-result'], 'No local or remote targets are configured to ask.');
      this.#el['opinion-ask'].disabled = !targets.length;
    } catch (e) {
      this.#targets = null; // tried again when the next ticket opens
      this.#onError('Loading the targets for a second opinion', e);
    }
  }

  async #ask() {
    const target = this.#el['opinion-target'].value;
    if (!target) return;
    const button = this.#el['opinion-ask'];
    button.disabled = true;
    try {
      await this.#api.requestDraft(this.#ticketId(), target);
      showMessage(this.#el['opinion-result'], `${target} is writing a draft; it appears beside the others when it is ready.`);
    } catch (e) {
      this.#onError(`Asking ${target} for a draft`, e);
    } finally {
      button.disabled = false;
      this.#refreshNow();
    }
  }

  async #prefer(index) {
    if (!this.#pair) return;
    const chosen = this.#pair[index];
    const rejected = this.#pair[1 - index];
    const [better, worse] = index === 0 ? ['A', 'B'] : ['B', 'A'];
    try {
      await this.#api.prefer(this.#ticketId(), chosen.target, rejected.target);
      showMessage(this.#el['compare-result'],
        `Preferred ${better} (${chosen.target}) over ${worse} (${rejected.target}); stored as feedback.`);
    } catch (e) {
      this.#onError('Storing the preference', e);
    }
  }
}

/**
 * The latest draft and the latest before it from another target, oldest first (A, B); null when all drafts come from
 * one target.
 */
export function latestPair(drafts) {
  const newest = drafts.at(-1);
  if (!newest) return null;
  for (let i = drafts.length - 2; i >= 0; i--)
    if (drafts[i].target !== newest.target) return [drafts[i], newest];
  return null;
}
