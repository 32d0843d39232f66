import { get } from './api.js';

// Small DOM helpers shared by the pages: elements, tables, and numbers and times as words.

/** An element: h('td', {class: 'num'}, 'text', child, ...); attributes starting with "on" are listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k.startsWith('on')) {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else {
      el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) {
      el.append(c instanceof Node ? c : String(c));
    }
  }
  return el;
}

/**
 * A table: columns are [heading, (row) => cell content, optional 'num'] triples; rowAttrs(row)
 * gives each row's attributes (data-* for the tests and for finding a row again).
 */
export function table(caption, columns, rows, rowAttrs, empty) {
  if (rows.length === 0) {
    return h('p', { class: 'empty' }, empty || 'none');
  }
  return h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([head, , kind]) => h('th', { scope: 'col', class: kind }, head)))),
    h('tbody', {}, rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : {},
      columns.map(([, cell, kind]) => h('td', { class: kind }, cell(row)))))));
}

/** A definition list of [term, value] pairs. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

const number = new Intl.NumberFormat('en');

export function count(n) {
  return n === undefined || n === null ? '–' : number.format(n);
}

export function rate(perSec) {
  if (perSec === undefined || perSec === null) {
    return '–';
  }
  return `${perSec >= 100 ? Math.round(perSec) : perSec.toFixed(1)}/s`;
}

export function percent(x) {
  return x === undefined || x === null ? '–' : `${(x * 100).toFixed(2)}%`;
}

export function time(ms) {
  if (!ms) {
    return '–';
  }
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString('en-GB') : d.toLocaleString('en-GB');
}

/** A state as an icon and its word, never colour alone; kind picks the (redundant) colour. */
export function state(word, kind) {
  const icon = { good: '✔', bad: '✖', warn: '‖', busy: '▶', none: '·' }[kind] || '·';
  return h('span', { class: `state ${kind || 'none'}` }, h('span', { 'aria-hidden': 'true' }, icon + ' '), word);
}

/**
 * Lists the models, shows a picker of them in header (the hash's ?model=, else the one rolling out,
 * else the first) and calls onModel(name); with no model yet, shows that in empty instead.
 */
export async function chooseModel({ main, query, page, header, empty, closed, showError }, onModel) {
  let res;
  try {
    res = await get('/v1/admin/models');
  } catch (e) {
    showError(e);
    return;
  }
  const models = res.models || [];
  if (closed()) {
    return;
  }
  if (models.length === 0) {
    empty.replaceChildren(h('p', { class: 'empty' }, 'No model has a version yet.'));
    return;
  }
  const names = models.map((m) => m.model);
  const rolling = models.find((m) => m.rollout);
  const model = names.includes(query.get('model')) ? query.get('model') : rolling ? rolling.model : names[0];
  main.dataset.model = model;
  header.replaceChildren(h('label', { class: 'picker' }, 'Model ',
    h('select', {
      id: 'model',
      onchange: (e) => {
        location.hash = `#/${page}?model=${encodeURIComponent(e.target.value)}`;
      },
    }, models.map((m) => h('option', { value: m.model, selected: m.model === model }, m.model)))));
  onModel(model);
}

/**
 * fn at most once per ms, the last call never lost: a fleet's reports can change a model many
 * times a second, and one fetch a second shows them all.
 */
export function coalesce(fn, ms) {
  let timer = null;
  let again = false;
  return () => {
    if (timer) {
      again = true;
      return;
    }
    fn();
    timer = setTimeout(function tick() {
      if (again) {
        again = false;
        fn();
        timer = setTimeout(tick, ms);
      } else {
        timer = null;
      }
    }, ms);
  };
}
