// The console's entry point: log in (an operator or admin key, or none where the server requires none), then show
// the queue, a ticket or the norms profiles according to the address (#/queue, #/tickets/<id>, #/norms).

import { OperatorApi } from './api.js';
import { showMessage } from './format.js';
import { NormsView } from './norms.js';
import { QueueView } from './queue.js';
import { TicketView } from './ticket.js';

const api = new OperatorApi();
let operator = null; // {name, role} once logged in

const views = {
  starting: document.getElementById('starting'),
  login: document.getElementById('login-view'),
};
const loginForm = document.getElementById('login-form');
const loginKey = document.getElementById('login-key');
const loginError = document.getElementById('login-error');
const whoami = document.getElementById('whoami');
const logout = document.getElementById('logout');

const queue = new QueueView(api, error => showLogin(`You were logged out: ${error.message}`));
const ticket = new TicketView(api, () => operator?.name ?? '');
const norms = new NormsView(api);

loginForm.addEventListener('submit', async event => {
  event.preventDefault();
  const key = loginKey.value.trim();
  const button = document.getElementById('login-submit');
  button.disabled = true;
  try {
    api.useKey(key);
    await logIn();
    loginKey.value = '';
  } catch (e) {
    api.forgetKey();
    showMessage(loginError, loginProblem(e, key));
  } finally {
    button.disabled = false;
  }
});

logout.addEventListener('click', () => {
  api.forgetKey();
  showLogin('');
});

window.addEventListener('hashchange', route);

start();

async function start() {
  // A key from earlier in this tab, or none: an open server lets us straight in.
  try {
    await logIn();
  } catch (e) {
    showLogin(e.status === 401 || e.status === 403 ? '' : loginProblem(e, ''));
  }
}

async function logIn() {
  operator = await api.whoami();
  whoami.textContent = `${operator.name} · ${operator.role}`;
  logout.hidden = false;
  views.starting.hidden = true;
  views.login.hidden = true;
  showMessage(loginError, '');
  route();
}

function showLogin(message) {
  operator = null;
  queue.hide();
  ticket.hide();
  norms.hide();
  whoami.textContent = '';
  logout.hidden = true;
  views.starting.hidden = true;
  views.login.hidden = false;
  showMessage(loginError, message);
  loginKey.focus();
}

function route() {
  if (!operator) return;
  const match = /^#\/tickets\/(.+)$/.exec(location.hash);
  if (match) {
    queue.hide();
    norms.hide();
    ticket.show(decodeURIComponent(match[1]));
  } else if (location.hash === '#/norms') {
    queue.hide();
    ticket.hide();
    norms.show();
  } else {
    ticket.hide();
    norms.hide();
    queue.show();
  }
}

function loginProblem(error, key) {
  switch (error.status) {
    case 401:
      return key
        ? `This key was not accepted: ${error.message}`
        : 'This server requires an API key: paste an operator or admin key.';
    case 403:
      return `This key cannot open the console: ${error.message}. The console needs an operator or admin key.`;
    case 0:
      return `Could not reach the server: ${error.message}`;
    default:
      return `Logging in failed (${error.status}): ${error.message}`;
  }
}
