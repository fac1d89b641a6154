// Bar charts of differentially private numbers, each bar with its 95%
// interval drawn as a whisker (no library). A chart is hidden from screen
// readers (aria-hidden): the same numbers are in the table beside it.
// Styled by classes only (the CSP allows no inline style).
import { svg } from '/assets/dom.js';

const WIDTH = 360;
const ROW = 40;       // a row: its label on one line, the bar below
const PAD = { left: 8, right: 12, top: 8, bottom: 22 };
const BAR = 12;

// The smallest "round" number at or above `n` (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, ...).
function niceCeiling(n) {
  if (n <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= n - 1e-12) return step * power;
  return 10 * power;
}

// rows: [{label, value, low, high, withheld}] in the order to draw;
// format(v): the text of a value (axis and labels). Returns the <svg>.
export function barChart(rows, format) {
  const known = rows.filter((r) => !r.withheld);
  const values = known.flatMap((r) => [r.value, r.low, r.high]).filter((v) => Number.isFinite(v));
  const top = niceCeiling(Math.max(0, ...values));
  const bottom = Math.min(0, ...values) < 0 ? -niceCeiling(-Math.min(0, ...values)) : 0;
  const span = top - bottom || 1;
  const x = (v) => PAD.left + ((Math.min(top, Math.max(bottom, v)) - bottom) / span) * (WIDTH - PAD.left - PAD.right);
  const height = PAD.top + Math.max(rows.length, 1) * ROW + PAD.bottom;
  const axisY = height - PAD.bottom;
  const parts = [];
  // The scale: zero, and the ends.
  const ticks = [...new Set([bottom, 0, top])];
  for (const t of ticks) {
    parts.push(svg('line', { x1: x(t), x2: x(t), y1: PAD.top, y2: axisY, class: t === 0 ? 'axis' : 'grid' }));
    const anchor = t === bottom && bottom !== 0 ? 'start' : t === top ? 'end' : t === 0 && bottom === 0 ? 'start' : 'middle';
    parts.push(svg('text', { x: x(t), y: axisY + 15, 'text-anchor': anchor, class: 'tick' }, format(t)));
  }
  rows.forEach((row, i) => {
    const y0 = PAD.top + i * ROW;
    // A long name is cut short here; the table beside has it whole.
    const name = row.label.length > 36 ? `${row.label.slice(0, 35)}…` : row.label;
    const label = row.withheld ? `${name}: withheld` : `${name}: ${format(row.value)}`;
    parts.push(svg('text', { x: PAD.left, y: y0 + 13, class: 'bar-label' }, label));
    if (row.withheld) return;
    const barY = y0 + 19;
    const from = x(Math.min(0, row.value));
    const to = x(Math.max(0, row.value));
    parts.push(svg('rect', { x: from.toFixed(1), y: barY, width: Math.max(to - from, 1).toFixed(1), height: BAR, class: 'bar' }));
    if (Number.isFinite(row.low) && Number.isFinite(row.high)) {
      const mid = barY + BAR / 2;
      const lo = x(row.low).toFixed(1);
      const hi = x(row.high).toFixed(1);
      parts.push(svg('line', { x1: lo, x2: hi, y1: mid, y2: mid, class: 'whisker' }));
      parts.push(svg('line', { x1: lo, x2: lo, y1: mid - 6, y2: mid + 6, class: 'whisker' }));
      parts.push(svg('line', { x1: hi, x2: hi, y1: mid - 6, y2: mid + 6, class: 'whisker' }));
    }
  });
  return svg('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: 'chart bar-chart',
    'aria-hidden': 'true',
    focusable: 'false',
  }, parts);
}
