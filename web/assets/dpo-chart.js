// The consent trend as small SVG line charts (no library): one per
// purpose, grants and refusals in force at the end of each day. The charts
// are hidden from screen readers (aria-hidden): the same numbers are in
// tables beside them. Styled by classes only (the CSP allows no inline
// style).
import { h, svg } from '/assets/dom.js';

const WIDTH = 320;
const HEIGHT = 150;
const PAD = { left: 34, right: 10, top: 12, bottom: 26 };

// The smallest "round" number at or above `n` (1, 2, 5, 10, 20, 50, ...).
function niceCeiling(n) {
  if (n <= 10) return 10;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

// The runs of consecutive known values of `values`: [[[i, v], ...], ...];
// a null (withheld) day breaks the line.
function runs(values) {
  const out = [];
  let run = [];
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      if (run.length) out.push(run);
      run = [];
    } else {
      run.push([i, v]);
    }
  });
  if (run.length) out.push(run);
  return out;
}

function series(values, x, y, className) {
  const parts = [];
  for (const run of runs(values)) {
    if (run.length > 1) {
      const d = run.map(([i, v], k) => `${k ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
      parts.push(svg('path', { d, class: `line ${className}` }));
    }
    for (const [i, v] of run) parts.push(svg('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, class: `dot ${className}` }));
  }
  return parts;
}

function shortDay(day) {
  const [, month, date] = String(day).split('-');
  return `${Number(date)} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(month) - 1] || ''}`;
}

// The chart of one purpose: `days` (oldest first) and the `granted` and
// `refused` counts (null: withheld). Returns the <svg>.
export function trendChart(days, granted, refused) {
  const known = [...granted, ...refused].filter((v) => v !== null && v !== undefined);
  const top = niceCeiling(Math.max(0, ...known));
  const n = Math.max(days.length, 1);
  const x = (i) => PAD.left + (n === 1 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (n - 1));
  const y = (v) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const gridLines = [0, top / 2, top].map((v) => [
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }),
    svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, Number(v).toLocaleString('en')),
  ]);
  const dayLabels = days.length ? [
    svg('text', { x: x(0), y: HEIGHT - 8, 'text-anchor': 'start', class: 'tick' }, shortDay(days[0])),
    svg('text', { x: x(days.length - 1), y: HEIGHT - 8, 'text-anchor': 'end', class: 'tick' }, shortDay(days[days.length - 1])),
  ] : [];
  return svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    'aria-hidden': 'true',
    focusable: 'false',
  }, gridLines, dayLabels, series(refused, x, y, 'refused'), series(granted, x, y, 'granted'));
}

// The legend under the charts (text, so also read by screen readers).
export function legend(min) {
  return h('ul', { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch granted', 'aria-hidden': 'true' }), 'Granted'),
    h('li', {}, h('span', { class: 'swatch refused', 'aria-hidden': 'true' }), 'Refused'),
    h('li', { class: 'hint' }, `Gaps: fewer than ${min} shoppers that day.`));
}
