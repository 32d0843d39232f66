// #/fleet: devices per version, the rollout's waves with the gate's inputs, the operator's actions
// (pause, resume, abort, pin; the API refuses a viewer, and the console shows its message), and the
// devices a page of 100 at a time, filtered. A `model` event for the model shown fetches it again.

import { call, get } from './api.js';
import { chooseModel, coalesce, count, facts, h, percent, state, table, time } from './view.js';

const PAGE = 100;
const STATES = {
  ACTIVE: ['active', 'busy'],
  PAUSED: ['paused', 'warn'],
  COMPLETED: ['completed', 'good'],
  ABORTED: ['aborted', 'bad'],
  ROLLED_BACK: ['rolled back', 'bad'],
};
const STATUSES = ['RUNNING', 'INSTALLED', 'DOWNLOAD_FAILED', 'VERIFY_FAILED', 'HEALTH_CHECK_FAILED', 'ROLLED_BACK', 'NEVER_REPORTED'];

function statusCell(s) {
  if (s === 'RUNNING') {
    return state('running', 'good');
  }
  if (s === 'INSTALLED') {
    return state('installed', 'busy');
  }
  if (s === 'NEVER_REPORTED') {
    return state('never reported', 'none');
  }
  return state(s.toLowerCase().replace(/_/g, ' '), 'bad');
}

function waveList(r) {
  const waves = r.waves || [];
  return h('ol', { class: 'waves', id: 'waves' }, waves.map((f, i) => {
    let word;
    let kind;
    if (r.state === 'COMPLETED' || i < r.currentWave) {
      [word, kind] = ['done', 'good'];
    } else if (i === r.currentWave) {
      [word, kind] = STATES[r.state] || [r.state, 'none'];
      word = `current, ${word}`;
    } else {
      [word, kind] = ['waiting', 'none'];
    }
    return h('li', { 'data-wave': i, 'data-current': i === r.currentWave ? 'true' : null },
      `wave ${i + 1}: ${Math.round(f * 1000) / 10}% of the fleet — `, state(word, kind));
  }));
}

export function show(main, query, showError) {
  const header = h('div', { class: 'toolbar' });
  const rollout = h('section', { id: 'rollout' });
  const perVersion = h('section', { id: 'per-version' });
  const devices = h('section', { id: 'devices' });
  main.append(h('h2', {}, 'Fleet and rollouts'), header, rollout, perVersion, devices);
  let model = null;
  let closed = false;
  const filter = { version: '', status: '', behind: false };
  const cursors = [null]; // the `after` of each page walked so far; the last is the page shown

  async function action(label, method, path, body) {
    showError(null);
    try {
      await call(method, `/v1/admin/models/${encodeURIComponent(model)}${path}`, body);
      await loadSummary();
      const done = document.getElementById('action-result');
      if (done) {
        done.textContent = `${label}: done`;
      }
    } catch (e) {
      showError(e);
    }
  }

  function actions(r) {
    const reason = h('input', { id: 'action-reason', type: 'text', placeholder: 'reason (recorded in the audit trail)', size: 36 });
    const pin = h('input', { id: 'pin-version', type: 'number', min: 1, placeholder: 'version', size: 8 });
    const why = () => ({ reason: reason.value.trim() || 'from the console' });
    return h('fieldset', { class: 'actions' }, h('legend', {}, 'Operator actions (operators only; each is audited)'),
      h('label', {}, 'Reason ', reason), ' ',
      h('button', { type: 'button', 'data-action': 'pause', disabled: !r || r.state !== 'ACTIVE',
        onclick: () => action('pause', 'POST', '/rollout/pause', why()) }, '‖ Pause'), ' ',
      h('button', { type: 'button', 'data-action': 'resume', disabled: !r || r.state !== 'PAUSED',
        onclick: () => action('resume', 'POST', '/rollout/resume', why()) }, '▶ Resume'), ' ',
      h('button', { type: 'button', 'data-action': 'abort', disabled: !r || !['ACTIVE', 'PAUSED'].includes(r.state),
        onclick: () => action('abort', 'POST', '/rollout/abort', why()) }, '✖ Abort'), ' ',
      h('label', {}, 'Pin to ', pin), ' ',
      h('button', { type: 'button', 'data-action': 'pin',
        onclick: () => action('pin', 'PUT', '/pin', { version: Number(pin.value) }) }, 'Pin'), ' ',
      h('button', { type: 'button', 'data-action': 'unpin', disabled: !r || !r.pinnedVersion,
        onclick: () => action('unpin', 'DELETE', '/pin') }, 'Unpin'),
      h('span', { id: 'action-result', role: 'status' }));
  }

  function drawSummary(s) {
    const r = s.rollout;
    const g = s.gate;
    if (!r) {
      rollout.replaceChildren(h('h3', {}, 'Rollout'), h('p', { class: 'empty' }, 'No rollout yet.'), actions(null));
    } else {
      const failureRate = g && g.devices ? g.failed / Math.max(1, g.running + g.failed) : null;
      rollout.replaceChildren(h('h3', {}, `Rollout of v${r.targetVersion}`),
        facts([
          ['State', h('span', { id: 'rollout-state', 'data-state': r.state }, state(...(STATES[r.state] || [r.state, 'none'])))],
          ['Reason', r.reason || '–'],
          ['Last good version', r.lastGoodVersion ? `v${r.lastGoodVersion}` : 'none'],
          ['Pinned', r.pinnedVersion ? `v${r.pinnedVersion}` : 'no'],
          ['Started', time(r.startedAtMs)],
          ['Current wave since', time(r.waveStartedAtMs)],
          ['Revision', r.revision],
        ]),
        waveList(r),
        g ? table(`Gate inputs of wave ${g.wave + 1}`, [
          ['Wave devices', (x) => count(x.devices), 'num'],
          ['Offline', (x) => count(x.offline), 'num'],
          ['Running', (x) => count(x.running), 'num'],
          ['Failed', (x) => count(x.failed), 'num'],
          ['Failure rate', () => percent(failureRate), 'num'],
          ['On-device accuracy', (x) => `${percent(x.accuracy)} (${count(x.labelled)} labelled)`, 'num'],
          [r.lastGoodVersion ? `Last good (v${r.lastGoodVersion})` : 'Last good (none yet)', (x) => `${percent(x.baselineAccuracy)} (${count(x.baselineLabelled)} labelled)`, 'num'],
        ], [g], () => ({ id: 'gate' })) : '',
        actions(r));
    }
    const pv = Object.entries(s.devicesPerVersion || {}).sort((a, b) => Number(b[0]) - Number(a[0]));
    const total = pv.reduce((n, [, c]) => n + c, 0);
    perVersion.replaceChildren(h('h3', {}, 'Devices per version'),
      table(`${count(total)} device(s)`, [
        ['Version', ([v]) => (v === '0' ? 'none installed' : `v${v}`), 'num'],
        ['Devices', ([, c]) => count(c), 'num'],
        ['Share', ([, c]) => h('span', { class: 'bar' }, h('span', { style: `width:${(100 * c) / Math.max(1, total)}%` }),
          ` ${((100 * c) / Math.max(1, total)).toFixed(1)}%`)],
      ], pv, ([v]) => ({ 'data-version': v }), 'No device has reported.'));
  }

  async function loadSummary() {
    const s = await get(`/v1/admin/models/${encodeURIComponent(model)}/rollout`);
    if (!closed) {
      drawSummary(s);
    }
  }

  function deviceQuery() {
    const p = new URLSearchParams({ model, limit: PAGE });
    if (filter.version !== '') {
      p.set('version', filter.version);
    }
    if (filter.status) {
      p.set('status', filter.status);
    }
    if (filter.behind) {
      p.set('behind', 'true');
    }
    if (cursors[cursors.length - 1]) {
      p.set('after', cursors[cursors.length - 1]);
    }
    return p;
  }

  const list = h('div', { id: 'device-list' });
  const filters = h('form', { class: 'filters', id: 'device-filters',
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      filter.version = String(f.get('version') || '').trim();
      filter.status = String(f.get('status') || '');
      filter.behind = f.get('behind') === 'on';
      cursors.length = 1;
      loadDevices();
    } },
  h('label', {}, 'Installed version ', h('input', { name: 'version', type: 'number', min: 0, size: 6 })), ' ',
  h('label', {}, 'Status ', h('select', { name: 'status' }, h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s }, s.toLowerCase().replace(/_/g, ' '))))), ' ',
  h('label', {}, h('input', { name: 'behind', type: 'checkbox' }), ' behind (installed is not the assigned version)'), ' ',
  h('button', { type: 'submit' }, 'Filter'));

  async function loadDevices() {
    try {
      const page = await get(`/v1/admin/devices?${deviceQuery()}`);
      if (closed) {
        return;
      }
      const n = cursors.length;
      const from = (n - 1) * PAGE + 1;
      const to = from + page.devices.length - 1;
      list.replaceChildren(
        h('p', { id: 'device-page' }, page.devices.length ? `Devices ${count(from)}–${count(to)} of ${count(page.matching)} matching` : `0 of ${count(page.matching)} matching`, ' ',
          h('button', { type: 'button', 'data-page': 'prev', disabled: n === 1, onclick: () => { cursors.pop(); loadDevices(); } }, '← Previous'), ' ',
          h('button', { type: 'button', 'data-page': 'next', disabled: !page.next, onclick: () => { cursors.push(page.next); loadDevices(); } }, 'Next →')),
        table(null, [
          ['Device', (d) => h('code', {}, d.deviceId)],
          ['Installed', (d) => (d.installedVersion ? `v${d.installedVersion}` : 'none'), 'num'],
          ['Assigned', (d) => (d.assignedVersion ? `v${d.assignedVersion}` : 'none'), 'num'],
          ['Behind', (d) => (d.installedVersion !== d.assignedVersion ? 'yes' : 'no')],
          ['Status', (d) => statusCell(d.status)],
          ['Last report', (d) => time(d.reportedAtMs)],
        ], page.devices, (d) => ({ 'data-device': d.deviceId }), 'No device matches.'));
    } catch (e) {
      showError(e);
    }
  }

  const init = () => chooseModel({ main, query, page: 'fleet', header, empty: rollout, closed: () => closed, showError },
    (chosen) => {
      model = chosen;
      devices.replaceChildren(h('h3', {}, 'Devices'), filters, list);
      loadSummary().catch(showError);
      loadDevices();
    });
  init();

  const reload = coalesce(() => {
    loadSummary().catch(showError);
    if (cursors.length === 1) {
      loadDevices(); // a later page stays put while the operator reads it
    }
  }, 1000);
  return {
    model(ev) {
      if (!model) {
        init();
      } else if (ev && ev.model === model) {
        reload();
      }
    },
    close() {
      closed = true;
    },
  };
}
