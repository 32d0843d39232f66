// #/learning: every version of a student with its provenance, its validation figures by version as a
// chart, the validation accuracy change of each of its variants (fp16, int8, qdelta: lineages of their
// own, also in the model picker), and the promotion gate's verdict and reason for every candidate. A `model` event for the
// model shown fetches it again, so a version published now appears without a reload.

import { get } from './api.js';
import { lineChart } from './chart.js';
import { chooseModel, coalesce, count, h, percent, state, table, time } from './view.js';

const CANDIDATE_ROWS = 200;
const VERDICTS = { PUBLISH: ['published', 'good'], REJECT: ['rejected', 'bad'], NOT_JUDGED: ['not judged', 'none'] };

function offsets(v) {
  const parts = (v.offsets || []).map((o) => `p${o.partition}: ${count(o.from)}–${count(o.to)}`);
  return parts.length ? parts.join(', ') : '–';
}

function metric(m, name) {
  return m && m[name] !== undefined ? percent(m[name]) : '–';
}

// a change of accuracy (a fraction) in percentage points, signed
function points(x) {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pt`;
}

// the trainer's `variant.<id>.accuracy_change` metrics of an fp32 version: each variant's validation
// accuracy minus the version's own, on the same slice in ONNX Runtime
const VARIANT_CHANGE = /^variant\.(.+)\.accuracy_change$/;

function variantChanges(v) {
  const parts = Object.entries(v.metrics || {})
    .map(([k, x]) => [VARIANT_CHANGE.exec(k), x])
    .filter(([m]) => m)
    .map(([m, x]) => `${m[1]} ${points(x)}`);
  return parts.length ? parts.join(', ') : '–';
}

export function show(main, query, showError) {
  const header = h('div', { class: 'toolbar' });
  const chartBox = h('div', { class: 'chart', id: 'validation-chart' });
  const versions = h('section', { id: 'versions' });
  const candidates = h('section', { id: 'candidates' });
  main.append(h('h2', {}, 'Learning'), header, h('h3', {}, 'Validation by version'), chartBox,
    h('h3', {}, 'Versions'), versions, h('h3', {}, 'Promotion gate'), candidates);
  let model = null;
  let chart = null;
  let closed = false;

  async function load() {
    try {
      const data = await get(`/v1/admin/console/models/${encodeURIComponent(model)}/learning`);
      if (!closed) {
        draw(data);
      }
    } catch (e) {
      showError(e);
    }
  }

  function draw(data) {
    const vs = [...(data.versions || [])].sort((a, b) => b.version - a.version);
    main.dataset.latestVersion = vs.length ? vs[0].version : 0;
    versions.replaceChildren(table(`${vs.length} version(s) of ${data.model}, newest first`, [
      ['Version', (v) => h('strong', {}, `v${v.version}`), 'num'],
      ['Parent', (v) => (v.parentVersion ? `v${v.parentVersion}` : 'none'), 'num'],
      ['Created', (v) => time(v.createdAtMs)],
      ['Teacher', (v) => v.teacher || '–'],
      ['T', (v) => v.temperature ?? '–', 'num'],
      ['alpha', (v) => v.alpha ?? '–', 'num'],
      ['Architecture', (v) => h('code', {}, v.architecture || '–')],
      ['Samples seen', (v) => count(v.samplesSeen), 'num'],
      ['Data (offsets)', offsets],
      ['Val. accuracy', (v) => metric(v.metrics, 'validation_accuracy'), 'num'],
      ['Val. agreement', (v) => metric(v.metrics, 'validation_agreement'), 'num'],
      // an fp32 version lists its variants' changes; a variant's version its own change against fp32
      ...(vs.some((v) => Object.keys(v.metrics || {}).some((k) => VARIANT_CHANGE.test(k)))
        ? [['Variants (val. acc. change)', variantChanges]] : []),
      ...(vs.some((v) => v.metrics?.accuracy_change !== undefined)
        ? [['Val. acc. vs fp32', (v) => (v.metrics?.accuracy_change === undefined ? '–' : points(v.metrics.accuracy_change)), 'num']]
        : []),
    ], vs, (v) => ({ 'data-version': v.version }), 'No version published yet.'));

    const asc = [...vs].reverse();
    const series = [
      asc.map((v) => v.version),
      asc.map((v) => v.metrics?.validation_accuracy ?? null),
      asc.map((v) => v.metrics?.validation_agreement ?? null),
    ];
    if (!chart) {
      chart = lineChart(chartBox, {
        title: `${data.model}: validation figures of each version`,
        xLabel: 'version',
        yLabel: 'fraction',
        series: [
          { label: 'accuracy (vs labels)', format: percent },
          { label: 'agreement (with teacher)', format: percent },
        ],
      }, series);
    } else {
      chart.set(series);
    }

    const cs = [...(data.candidates || [])].sort((a, b) => b.decidedAtMs - a.decidedAtMs);
    candidates.replaceChildren(
      cs.length > CANDIDATE_ROWS ? h('p', {}, `The newest ${CANDIDATE_ROWS} of ${cs.length} decisions.`) : '',
      table('Each candidate the trainer judged, newest first', [
        ['Decided', (c) => time(c.decidedAtMs)],
        ['Verdict', (c) => state(...(VERDICTS[c.verdict] || [c.verdict, 'none']))],
        ['Reason', (c) => c.reason || '–'],
        ['Published as', (c) => (c.publishedVersion ? `v${c.publishedVersion}` : '–'), 'num'],
        ['Parent', (c) => (c.parentVersion ? `v${c.parentVersion}` : 'none'), 'num'],
        ['Val. accuracy', (c) => metric(c.metrics, 'validation_accuracy'), 'num'],
        ['Val. agreement', (c) => metric(c.metrics, 'validation_agreement'), 'num'],
        ['Samples seen', (c) => count(c.samplesSeen), 'num'],
        ['Trainer', (c) => c.trainer || '–'],
      ], cs.slice(0, CANDIDATE_ROWS), (c) => ({ 'data-verdict': c.verdict }), 'No candidate judged yet.'));
  }

  const init = () => chooseModel({ main, query, page: 'learning', header, empty: versions, closed: () => closed, showError },
    (chosen) => {
      model = chosen;
      load();
    });
  init();

  const reload = coalesce(load, 1000);
  return {
    model(ev) {
      if (!model) {
        init(); // the first version of any model
      } else if (ev && ev.model === model) {
        reload();
      }
    },
    close() {
      closed = true;
      if (chart) {
        chart.destroy();
      }
    },
  };
}
