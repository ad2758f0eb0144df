// The queue: tickets oldest first with how long each has waited, refreshed every two seconds while it is on
// screen; waiting times tick every second between refreshes.

import { element, formatDuration, showMessage } from './format.js';

const REFRESH_MS = 2000;

export class QueueView {
  #api;
  #onAuthFailure;
  #root = document.getElementById('queue-view');
  #body = document.getElementById('queue-body');
  #filter = document.getElementById('queue-filter');
  #error = document.getElementById('queue-error');
  #empty = document.getElementById('queue-empty');
  #updated = document.getElementById('queue-updated');
  #refreshTimer = 0;
  #tickTimer = 0;
  #visible = false;
  #generation = 0;
  // Per row: the waiting time the server reported and when we read it, so the clock runs on between refreshes.
  #clocks = [];

  constructor(api, onAuthFailure) {
    this.#api = api;
    this.#onAuthFailure = onAuthFailure;
    this.#filter.addEventListener('change', () => this.#refreshNow());
  }

  show() {
    this.#root.hidden = false;
    this.#visible = true;
    this.#refreshNow();
    clearInterval(this.#tickTimer);
    this.#tickTimer = setInterval(() => this.#tick(), 1000);
  }

  hide() {
    this.#root.hidden = true;
    this.#visible = false;
    clearTimeout(this.#refreshTimer);
    clearInterval(this.#tickTimer);
  }

  #refreshNow() {
    clearTimeout(this.#refreshTimer);
    this.#refresh();
  }

  async #refresh() {
    // A refresh started before a filter change or a hide must not paint over the newer state.
    const generation = ++this.#generation;
    try {
      const result = await this.#api.listTickets(this.#filter.value);
      if (generation !== this.#generation || !this.#visible) return;
      this.#render(result?.tickets ?? []);
      showMessage(this.#error, '');
      this.#updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (generation !== this.#generation || !this.#visible) return;
      if (e.status === 401 || e.status === 403) {
        this.#onAuthFailure(e);
        return;
      }
      showMessage(this.#error, `Could not load the queue: ${e.message}`);
    }
    if (this.#visible && generation === this.#generation) this.#refreshTimer = setTimeout(() => this.#refresh(), REFRESH_MS);
  }

  #render(tickets) {
    const readAt = performance.now();
    this.#clocks = [];
    const rows = tickets.map(ticket => {
      const row = element('tr', `ticket row-${ticket.status}`);
      row.dataset.ticketId = ticket.id;
      const waiting = element('td', 'waiting');
      this.#clocks.push({ cell: waiting, seconds: Number(ticket.waiting_seconds) || 0, readAt, running: ticket.status === 'waiting' });
      const link = element('a', 'preview', ticket.preview || '(no message)');
      link.href = `#/tickets/${encodeURIComponent(ticket.id)}`;
      const preview = element('td', null);
      preview.append(link);
      if (ticket.has_draft) preview.append(' ', element('span', 'badge', 'draft'));
      row.append(
        waiting,
        statusCell(ticket.status),
        element('td', 'reason', ticket.reason),
        element('td', 'profile', ticket.profile ?? '—'),
        element('td', 'assignee', ticket.assignee ?? 'unassigned'),
        preview);
      // The whole row opens the ticket; the link keeps it reachable by keyboard.
      row.addEventListener('click', event => {
        if (event.target !== link) location.hash = link.getAttribute('href');
      });
      return row;
    });
    this.#body.replaceChildren(...rows);
    this.#empty.hidden = tickets.length > 0;
    this.#tick();
  }

  #tick() {
    const now = performance.now();
    for (const clock of this.#clocks) {
      const seconds = clock.running ? clock.seconds + (now - clock.readAt) / 1000 : clock.seconds;
      clock.cell.textContent = formatDuration(seconds);
    }
  }
}

function statusCell(status) {
  const cell = element('td', 'status-cell');
  cell.append(element('span', `status status-${status}`, status));
  return cell;
}
