// Small charts as inline SVG, drawn by hand (no library, no bundler): bars, optionally
// stacked in series, with a few gridlines, axis labels and a legend. Colours come from CSS
// classes (`series-0`, `series-1`, …) so the screen and the printed page agree; every bar has a
// <title> with its figures, and the chart a role and a label, so it can be read as well as seen.

const NS = 'http://www.w3.org/2000/svg';

function node(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  Object.entries(attrs).forEach(([k, v]) => n.setAttribute(k, String(v)));
  children.forEach((c) => c != null && n.append(c));
  return n;
}

/** 1, 2 or 5 times a power of ten, at least `value`: a round top for the axis. */
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= value);
}

/**
 * A bar chart. `bars` is `[{label, values: [n per series], title}]`; `series` is
 * `[{name, cls}]`; `format(n)` writes an axis value; `every` labels one bar in so many; `empty`
 * is said across a chart with nothing to show.
 * Returns an <svg> that scales to its container's width.
 */
export function barChart({ bars, series, format = String, every = 1, label = '', empty = '', width = 480, height = 200 }) {
  const pad = { top: 12, right: 8, bottom: 28, left: 84 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0));
  const most = Math.max(0, ...totals);
  // An empty chart still has a sensible axis (whole numbers), and says it is empty.
  const top = niceMax(Math.max(most, 100));
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(2, slot * 0.7);
  const svg = node('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(node('title', {}, label));
  [0, 0.5, 1].forEach((f) => {
    const v = top * f;
    svg.append(node('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(node('text', { x: pad.left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, format(v)));
  });
  bars.forEach((bar, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    let base = 0;
    const group = node('g', { class: 'bar', 'data-index': i });
    group.append(node('title', {}, bar.title || ''));
    bar.values.forEach((v, s) => {
      if (v <= 0) return;
      group.append(node('rect', {
        x: x.toFixed(1), y: y(base + v).toFixed(1), width: barW.toFixed(1), height: (y(base) - y(base + v)).toFixed(1),
        class: `series-${s} ${series[s]?.cls || ''}`,
      }));
      base += v;
    });
    svg.append(group);
    if (i % every === 0) {
      svg.append(node('text', { x: (x + barW / 2).toFixed(1), y: height - 6, class: 'axis', 'text-anchor': 'middle' }, bar.label));
    }
  });
  svg.append(node('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: 'baseline' }));
  if (most === 0 && empty) {
    svg.append(node('text', { x: pad.left + plotW / 2, y: pad.top + plotH / 2, class: 'empty-note', 'text-anchor': 'middle' }, empty));
  }
  return svg;
}

/** A legend for `series` (`[{name, cls}]`), as HTML beside the chart. */
export function legend(series) {
  const list = document.createElement('ul');
  list.className = 'legend';
  series.forEach((s, i) => {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch series-${i} ${s.cls || ''}`;
    item.append(swatch, document.createTextNode(s.name));
    list.append(item);
  });
  return list;
}
