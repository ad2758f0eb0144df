// One ticket: the conversation (with the router's top substrings marked in the message it scored), the AI draft, the
// routing explanation, and the operator's actions. Refreshed every two seconds; what the operator typed is never
// thrown away: it stays in the box when a call fails, and is kept per ticket when they look at another one.

import { element, formatDuration, formatTime, showMessage } from './format.js';
import { contributionRanges, highlighted, matchCount } from './highlight.js';
import { renderExplanation } from './explanation.js';
import { SecondOpinion } from './opinion.js';

const REFRESH_MS = 2000;

export class TicketView {
  #api;
  #operatorName = () => '';
  #root = document.getElementById('ticket-view');
  #el = Object.fromEntries([
    'ticket-id', 'ticket-status', 'ticket-facts', 'ticket-error', 'conversation', 'answer-text', 'answer-send',
    'answer-close', 'answer-result', 'draft-text', 'draft-none', 'draft-use', 'draft-regenerate', 'rating-label',
    'rating-result', 'draft-author', 'assign-name', 'assign-to', 'assign-me', 'assign-release', 'ticket-close', 'route-body',
  ].map(id => [id, document.getElementById(id)]));
  #id = null;
  #shown = null; // the JSON last rendered, to repaint only on change
  #data = null;
  #typed = new Map(); // ticket id → unsent answer text
  #refreshTimer = 0;
  #generation = 0;
  #opinion;

  constructor(api, operatorName) {
    this.#api = api;
    this.#operatorName = operatorName;
    const el = this.#el;
    el['answer-send'].addEventListener('click', () => this.#sendAnswer());
    el['draft-use'].addEventListener('click', () => this.#useText(this.#data?.draft));
    this.#opinion = new SecondOpinion(api, {
      ticketId: () => this.#id,
      useText: text => this.#useText(text),
      onError: (action, e) => this.#error(describe(e, action)),
      refreshNow: () => this.#refreshNow(),
    });
    el['draft-regenerate'].addEventListener('click', () => this.#act('Asking for a new draft',
      () => this.#api.regenerateDraft(this.#id), () => 'A new draft is being prepared; it appears here when it is ready.', el['rating-result']));
    el['assign-to'].addEventListener('click', () => {
      const name = el['assign-name'].value.trim();
      if (!name) return this.#error('Type the name of the operator to assign the ticket to.');
      this.#assign(name, true); // handing the ticket to a named operator is deliberate: it takes it over
    });
    el['assign-me'].addEventListener('click', () => this.#assign(this.#operatorName()));
    el['assign-release'].addEventListener('click', () => this.#assign(null));
    el['ticket-close'].addEventListener('click', () => this.#act('Closing the ticket',
      () => this.#api.close(this.#id), () => 'Ticket closed.', el['answer-result']));
    for (const button of this.#root.querySelectorAll('button.rate'))
      button.addEventListener('click', () => this.#rate(button.dataset.rating));
  }

  show(id) {
    if (id !== this.#id) {
      this.#keepTyped();
      this.#id = id;
      this.#shown = null;
      this.#data = null;
      this.#el['answer-text'].value = this.#typed.get(id) ?? '';
      this.#el['ticket-id'].textContent = id;
      this.#el.conversation.replaceChildren();
      for (const node of [this.#el['ticket-error'], this.#el['answer-result'], this.#el['rating-result']]) showMessage(node, '');
      this.#opinion.reset();
    }
    this.#root.hidden = false;
    this.#refreshNow();
  }

  hide() {
    this.#keepTyped();
    this.#root.hidden = true;
    this.#generation++;
    clearTimeout(this.#refreshTimer);
  }

  #keepTyped() {
    if (this.#id === null) return;
    const text = this.#el['answer-text'].value;
    if (text) this.#typed.set(this.#id, text);
    else this.#typed.delete(this.#id);
  }

  #refreshNow() {
    clearTimeout(this.#refreshTimer);
    this.#refresh();
  }

  async #refresh() {
    const generation = ++this.#generation;
    const id = this.#id;
    try {
      const data = await this.#api.getTicket(id);
      if (generation !== this.#generation) return;
      // The waiting time changes on every read; repainting the conversation for it would drop the operator's
      // text selection every two seconds, so only a real change repaints.
      const json = JSON.stringify(data, (key, value) => (key === 'waiting_seconds' ? undefined : value));
      this.#data = data;
      if (json !== this.#shown) {
        this.#shown = json;
        this.#render(data);
      }
      this.#el['ticket-waiting'].textContent = formatDuration(data.ticket.waiting_seconds ?? 0);
    } catch (e) {
      if (generation !== this.#generation) return;
      this.#error(describe(e, 'Loading the ticket'));
    }
    if (generation === this.#generation) this.#refreshTimer = setTimeout(() => this.#refresh(), REFRESH_MS);
  }

  #render({ ticket, messages, draft, drafts, route }) {
    const el = this.#el;
    el['ticket-status'].textContent = ticket.status;
    el['ticket-status'].className = `status status-${ticket.status}`;
    const facts = [
      ['Reason', ticket.reason],
      ['Profile', ticket.profile ?? '—'],
      ['Assignee', ticket.assignee ?? 'unassigned (in the queue)'],
      ['Opened', formatTime(ticket.created_at)],
    ];
    el['ticket-facts'].replaceChildren(...facts.flatMap(([name, value]) => [element('dt', null, name), element('dd', null, value)]));
    const waiting = element('dd');
    waiting.id = 'ticket-waiting';
    el['ticket-facts'].append(element('dt', null, 'Waiting'), waiting);
    el['ticket-waiting'] = waiting;

    const contributions = route?.contributions ?? [];
    const marked = new Set();
    const scored = scoredMessage(messages, contributions);
    el.conversation.replaceChildren(...messages.filter(m => m.role !== 'draft').map(m => {
      const item = element('li', `message role-${m.role}`);
      item.dataset.seq = m.seq;
      const head = element('div', 'message-head');
      head.append(element('span', 'role', roleName(m.role)));
      if (m.author) head.append(' · ', element('span', 'author', m.author));
      head.append(' · ', element('time', null, formatTime(m.created_at)));
      const body = element('div', 'content');
      if (m === scored) {
        const ranges = contributionRanges(m.content, contributions);
        for (const r of ranges) marked.add(r.contribution);
        body.append(highlighted(m.content, ranges));
        item.classList.add('scored');
      } else {
        body.textContent = m.content;
      }
      item.append(head, body);
      return item;
    }));

    el['draft-text'].textContent = draft ?? '';
    el['draft-text'].hidden = !draft;
    el['draft-none'].hidden = !!draft;
    el['draft-use'].disabled = !draft;
    // The rating goes to whoever wrote the latest draft; with second opinions that is worth seeing.
    const author = drafts?.at(-1)?.target;
    el['draft-author'].textContent = draft && author ? `· by ${author}` : '';
    el['rating-label'].textContent = draft ? 'Rate the AI draft:' : 'Rate the routed answer:';
    this.#opinion.render({ ticket, drafts });

    el['route-body'].replaceChildren(route
      ? renderExplanation(route, marked)
      : element('p', 'muted', 'This ticket did not come through the router.'));

    // A closed ticket takes no more answers or changes; the server would answer 409.
    const closed = ticket.status === 'closed';
    for (const id of ['answer-send', 'assign-to', 'assign-me', 'assign-release', 'ticket-close', 'draft-regenerate'])
      el[id].disabled = closed;
    el['answer-send'].title = closed ? 'This ticket is closed.' : '';
  }

  async #sendAnswer() {
    const el = this.#el;
    const content = el['answer-text'].value;
    if (!content.trim()) return this.#error('Write an answer first.');
    const id = this.#id;
    el['answer-send'].disabled = true;
    try {
      await this.#api.answer(id, content, el['answer-close'].checked);
      if (this.#id === id && el['answer-text'].value === content) el['answer-text'].value = '';
      this.#typed.delete(id);
      el['answer-close'].checked = false;
      showMessage(el['ticket-error'], '');
      showMessage(el['answer-result'], 'Answer sent to the client.');
    } catch (e) {
      this.#error(`${describe(e, 'Sending the answer')} Your answer is still in the box.`);
    } finally {
      el['answer-send'].disabled = this.#data?.ticket?.status === 'closed';
      this.#refreshNow();
    }
  }

  /** Puts a draft in the answer box. */
  #useText(draft) {
    if (!draft) return;
    const box = this.#el['answer-text'];
    if (box.value && box.value !== draft) {
      showMessage(this.#el['answer-result'], 'The draft replaced your text; press Ctrl+Z in the box to get it back.');
    }
    // Typed in as if by the operator, so the replaced text stays in the box's undo history (Ctrl+Z); browsers
    // without insertText get a plain replacement.
    box.focus();
    box.select();
    if (!document.execCommand('insertText', false, draft)) box.value = draft;
  }

  #assign(assignee, force = false) {
    this.#act(assignee ? `Assigning to ${assignee}` : 'Putting the ticket back in the queue',
      () => this.#api.assign(this.#id, assignee, force),
      () => (assignee ? `Assigned to ${assignee}.` : 'Back in the queue, unassigned.'), this.#el['answer-result']);
  }

  #rate(value) {
    const rating = /^[1-5]$/.test(value) ? Number(value) : value;
    const what = this.#data?.draft ? 'the AI draft' : 'the routed answer';
    this.#act('Storing the rating', () => this.#api.rate(this.#id, rating),
      () => `Rated ${what} ${rating === 'up' ? 'good (thumbs up)' : rating === 'down' ? 'bad (thumbs down)' : `${rating}/5`}; stored as feedback.`,
      this.#el['rating-result']);
  }

  async #act(action, call, success, resultNode) {
    try {
      await call();
      showMessage(this.#el['ticket-error'], '');
      showMessage(resultNode, success());
    } catch (e) {
      this.#error(describe(e, action));
    }
    this.#refreshNow();
  }

  #error(text) {
    showMessage(this.#el['answer-result'], '');
    showMessage(this.#el['ticket-error'], text);
  }
}

/** The message the router scored: the user message holding most of the contributions, the latest on a tie. */
function scoredMessage(messages, contributions) {
  let best = null;
  let bestCount = 0;
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const count = matchCount(m.content, contributions);
    if (count > 0 && count >= bestCount) {
      best = m;
      bestCount = count;
    }
  }
  return best;
}

function roleName(role) {
  return { user: 'Client', assistant: 'Assistant', operator: 'Operator', system: 'System' }[role] ?? role;
}

/** What failed and what the operator can do about it. */
export function describe(error, action) {
  switch (error.status) {
    case 0: return `${action} failed: ${error.message}. Check that the server is running.`;
    case 401: return `${action} failed: the server did not accept your key (${error.message}). Log out and log in again.`;
    case 403: return `${action} failed: your key may not do this (${error.message}).`;
    case 404: return `${action} failed: the ticket was not found (${error.message}).`;
    case 409: return /\bis closed\b/.test(error.message)
      ? `${action} failed: the ticket is closed and takes no more answers or changes (${error.message}).`
      : `${action} failed: ${error.message}.`;
    default: return `${action} failed (${error.status}): ${error.message}.`;
  }
}
