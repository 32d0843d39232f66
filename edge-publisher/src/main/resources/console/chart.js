// Line charts with uPlot (the webjar the publisher's jar carries). Series differ by dash pattern and
// point shape as well as colour, and each is named in the legend, so a chart reads without colour.

import uPlot from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';

const STYLES = [
  { stroke: '#1f4e9c', dash: [], name: 'solid' },
  { stroke: '#b3541e', dash: [8, 4], name: 'dashed' },
  { stroke: '#2e7d32', dash: [2, 3], name: 'dotted' },
  { stroke: '#6a1b9a', dash: [12, 3, 2, 3], name: 'dash-dot' },
  { stroke: '#00838f', dash: [1, 6], name: 'sparse dots' },
  { stroke: '#5d4037', dash: [16, 6], name: 'long dashes' },
];

/**
 * A chart in el: xLabel and the x values' kind ('time' in seconds, or plain numbers), series as
 * [{label, unit}], data as uPlot's [xs, ys1, ys2...]. Returns {set(data)} to update it in place.
 */
export function lineChart(el, { title, xLabel, time, series, yLabel, yRange }, data) {
  const width = () => Math.max(320, Math.min(el.clientWidth || 900, 1100));
  const opts = {
    title,
    width: width(),
    height: 260,
    scales: { x: { time: !!time }, y: yRange ? { range: yRange } : {} },
    // versions are whole numbers: no tick at v1.5
    axes: [time ? { label: xLabel } : { label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
      { label: yLabel, size: 70 }],
    series: [{ label: xLabel }].concat(series.map((s, i) => ({
      // the legend names the line's pattern: its colour swatch alone says nothing without colour
      label: `${s.label} (${STYLES[i % STYLES.length].name})`,
      stroke: STYLES[i % STYLES.length].stroke,
      dash: STYLES[i % STYLES.length].dash,
      width: 2,
      points: { show: true, size: 6 + 2 * (i % 3), fill: i % 2 ? '#fff' : STYLES[i % STYLES.length].stroke },
      value: (u, v) => (v === null || v === undefined ? '–' : s.format ? s.format(v) : v),
      spanGaps: true,
    }))),
  };
  const plot = new uPlot(opts, data, el);
  return {
    set(next) {
      plot.setData(next);
    },
    destroy() {
      plot.destroy();
    },
  };
}
