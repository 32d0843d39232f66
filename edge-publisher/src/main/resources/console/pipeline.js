// #/pipeline: each stage's rate and end offset, each consumer group's lag, dead letters by reason and
// the teacher in use; the live stream's `pipeline` event (every 2 s) redraws it in place.

import { get } from './api.js';
import { lineChart } from './chart.js';
import { count, facts, h, rate, table, time } from './view.js';

const HISTORY = 150; // points kept for the rates chart: 5 minutes at the stream's 2 s

export function show(main, query, showError) {
  const summary = h('section', { id: 'pipeline-summary', 'aria-label': 'teacher' });
  const deadLetters = h('section', { id: 'dead-letters' });
  const stages = h('section', { id: 'stages' });
  const consumers = h('section', { id: 'consumers' });
  const chartBox = h('div', { class: 'chart', id: 'rates-chart' });
  main.append(h('h2', {}, 'Pipeline'),
    h('p', { class: 'lead' }, 'Samples in, soft targets out of the teacher, examples trained; rates over the stream\'s last interval.'),
    summary, h('h3', {}, 'Rates'), chartBox, stages, consumers, deadLetters);

  const xs = [];
  let names = [];
  let ys = [];
  let chart = null;

  function draw(p) {
    if (!p.available) {
      summary.replaceChildren(h('p', { class: 'empty' }, `Pipeline figures unavailable: ${p.reason || 'no reason given'}`));
      return;
    }
    const t = p.teacher;
    const dl = p.deadLetters || { total: 0, byReason: {} };
    const reasons = Object.entries(dl.byReason || {}).sort((a, b) => b[1] - a[1]);
    summary.replaceChildren(
      facts([
        ['Teacher in use', t ? `${t.id} v${t.version}, T=${t.temperature}` : 'none has scored yet'],
        t ? ['Last scored', time(t.scoredAtMs)] : null,
        ['Figures as of', time(p.atMs)],
        ['Dead letters', count(dl.total)],
      ]));
    deadLetters.replaceChildren(table('Dead letters by reason', [['Reason', (r) => r[0]], ['Records', (r) => count(r[1]), 'num']], reasons,
        (r) => ({ 'data-reason': r[0] }), 'No dead letters.'));
    stages.replaceChildren(table('Stages (topic end offsets)', [
      ['Stage', (s) => s.name],
      ['Topic', (s) => h('code', {}, s.topic)],
      ['Records', (s) => count(s.endOffset), 'num'],
      ['Rate', (s) => rate(s.ratePerSec), 'num'],
    ], p.stages || [], (s) => ({ 'data-stage': s.name })));
    consumers.replaceChildren(table('Consumers (committed offsets and lag)', [
      ['Group', (c) => h('code', {}, c.group)],
      ['Topic', (c) => h('code', {}, c.topic)],
      ['Committed', (c) => count(c.committed), 'num'],
      ['Lag', (c) => count(c.lag), 'num'],
      ['Rate', (c) => rate(c.ratePerSec), 'num'],
    ], p.consumers || [], (c) => ({ 'data-group': c.group })));
    plot(p);
  }

  function plot(p) {
    const stageNames = (p.stages || []).map((s) => s.name);
    if (stageNames.join() !== names.join()) {
      names = stageNames;
      xs.length = 0;
      ys = names.map(() => []);
      if (chart) {
        chart.destroy();
      }
      chart = lineChart(chartBox, {
        title: 'Records per second by stage',
        xLabel: 'time',
        time: true,
        yLabel: 'records/s',
        series: names.map((n) => ({ label: n, format: (v) => rate(v) })),
      }, [xs, ...ys]);
    }
    xs.push((p.atMs || Date.now()) / 1000);
    (p.stages || []).forEach((s, i) => ys[i].push(s.ratePerSec ?? null));
    if (xs.length > HISTORY) {
      xs.shift();
      ys.forEach((y) => y.shift());
    }
    chart.set([xs, ...ys]);
  }

  get('/v1/admin/console/pipeline').then(draw, showError);
  return {
    pipeline: draw,
    close() {
      if (chart) {
        chart.destroy();
      }
    },
  };
}
