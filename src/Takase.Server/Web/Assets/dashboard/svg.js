// The few SVG pieces the dashboard's charts are drawn with: elements by attribute (never markup), a colour per
// series, and "nice" axis ticks. Colours are presentation attributes, which the page's CSP allows.

const NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and optional text. */
export function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** A chart's root: a viewBox of width × height, an accessible name, and a <title> for it. */
export function chart(width, height, label) {
  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  root.append(svg('title', {}, label));
  return root;
}

// Distinct on white and for the common colour-vision deficiencies (Okabe–Ito, then greys).
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000', '#7f7f7f', '#bbbbbb'];

/** The colour of the i-th series. */
export function colour(i) { return PALETTE[i % PALETTE.length]; }

/** About `count` round tick values from 0 to at least `max`. */
export function ticks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map(m => m * magnitude).find(s => s >= rough);
  const values = [];
  for (let v = 0; v < max + step / 2; v += step) values.push(Number(v.toPrecision(12)));
  if (values[values.length - 1] < max) values.push(Number((values[values.length - 1] + step).toPrecision(12)));
  return values;
}

/** A legend: one item per name with its colour swatch. */
export function fillLegend(list, names) {
  list.replaceChildren();
  names.forEach((name, i) => {
    const item = document.createElement('li');
    item.dataset.series = name;
    const swatch = svg('svg', { class: 'swatch', width: 12, height: 12, 'aria-hidden': 'true' });
    swatch.append(svg('rect', { width: 12, height: 12, rx: 2, fill: colour(i) }));
    item.append(swatch, name);
    list.append(item);
  });
}
