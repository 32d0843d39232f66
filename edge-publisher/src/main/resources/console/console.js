// The console's shell: sign-in (a token from the address's fragment or the form), the hash routes
// (#/pipeline, #/learning, #/fleet), one live event stream shared by the pages, and the error line.

import { ApiError, setToken, stream, token } from './api.js';
import * as pipeline from './pipeline.js';
import * as learning from './learning.js';
import * as fleet from './fleet.js';

const PAGES = { pipeline, learning, fleet };
const $ = (id) => document.getElementById(id);

let current = null; // the page shown: { pipeline(data), model(name), close() }
let liveAbort = null;

/** Shows the API's message (a refusal, say) until the next action; null hides it. */
export function showError(err) {
  const box = $('error');
  if (!err) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.textContent = err instanceof ApiError ? `${err.message} (${err.code})` : String(err.message || err);
  if (err instanceof ApiError && err.status === 401) {
    signOut('the token was refused: sign in again');
  }
}

/** A token in the address (#token=T, or a page's link #/fleet?model=m&token=T) moves to the tab's storage. */
function takeTokenFromAddress() {
  const [path, q] = location.hash.split('?');
  const params = new URLSearchParams(path.startsWith('#token=') ? path.slice(1) : q || '');
  if (!params.has('token')) {
    return;
  }
  setToken(params.get('token'));
  params.delete('token');
  const page = path.startsWith('#token=') ? '#/pipeline' : path;
  const rest = params.toString();
  // the token leaves the address bar (and the history) at once
  history.replaceState(null, '', `${location.pathname}${location.search}${page}${rest ? `?${rest}` : ''}`);
}

function signOut(why) {
  setToken(null);
  if (liveAbort) {
    liveAbort.abort();
    liveAbort = null;
  }
  if (current) {
    current.close();
    current = null;
  }
  $('page').replaceChildren();
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  $('live').textContent = why || 'signed out';
}

function route() {
  if (!token()) {
    signOut($('live').textContent);
    return;
  }
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  const [path, q] = location.hash.replace(/^#\/?/, '').split('?');
  const name = PAGES[path] ? path : 'pipeline';
  if (!PAGES[path]) {
    history.replaceState(null, '', '#/pipeline');
  }
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === name) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
  if (current) {
    current.close();
  }
  showError(null);
  const main = $('page');
  main.replaceChildren();
  main.dataset.page = name;
  current = PAGES[name].show(main, new URLSearchParams(q || ''), showError);
  startLive();
}

/** One stream for the tab's life: pipeline figures every 2 s, and which model changed. */
function startLive() {
  if (liveAbort) {
    return;
  }
  const ctl = new AbortController();
  liveAbort = ctl;
  const live = $('live');
  const run = async () => {
    while (!ctl.signal.aborted) {
      try {
        live.textContent = 'connecting…';
        await stream('/v1/admin/console/events', (name, data) => {
          live.textContent = `● live, updated ${new Date().toLocaleTimeString('en-GB')}`;
          live.dataset.state = 'live';
          if (current && current[name]) {
            current[name](data);
          }
        }, ctl.signal);
        live.textContent = '○ stream ended: reconnecting';
      } catch (e) {
        if (ctl.signal.aborted) {
          return;
        }
        live.dataset.state = 'down';
        live.textContent = `○ not live (${e.message}): retrying`;
        if (e instanceof ApiError && e.status === 401) {
          showError(e);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  };
  run();
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('token').value.trim());
  $('token').value = '';
  route();
});
$('sign-out').addEventListener('click', () => signOut('signed out'));
window.addEventListener('hashchange', () => {
  takeTokenFromAddress();
  route();
});
takeTokenFromAddress();
route();
