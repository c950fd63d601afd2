// The chart page: catalog chips by TPP (x, log) and performance density
// (y, log) over the regions of /api/v1/chart, for a destination and a date.
import {
  api, el, clear, $, params, initPage, outcomeClass, OUTCOME_LABEL, outcomeText, policyText,
  countryOptions, errorBox, fmt, humanize, COUNTRIES, chipName,
} from './app.js';

initPage();

const W = 880, H = 470;
const M = { l: 62, r: 16, t: 14, b: 46 };
const PW = W - M.l - M.r, PH = H - M.t - M.b;
const NS = 'http://www.w3.org/2000/svg';

const svg = $('#chart');
const tooltip = $('#tooltip');
const slider = $('#date-slider');
const dateOut = $('#date-out');
const dateInput = $('#on');
const toSel = $('#to');
const statusEl = $('#chart-status');
const errEl = $('#chart-error');

const q = params();
let state = { to: (q.get('to') || 'CN').toUpperCase(), on: q.get('on') || '', breakpoints: [] };
const cache = new Map();
let inflight = null;
let drawnOnce = false;

// destination picker: the common list, plus whatever the URL asked for
clear(toSel, countryOptions(state.to));
if (!COUNTRIES.some(([c]) => c === state.to)) toSel.prepend(el('option', { value: state.to, selected: true }, state.to));

buildLegend();

async function load(on, to) {
  const key = `${on}|${to}`;
  if (cache.has(key)) return cache.get(key);
  if (inflight) inflight.abort();
  inflight = new AbortController();
  const qs = new URLSearchParams({ to });
  if (on) qs.set('on', on);
  const data = await api(`/chart?${qs}`, { signal: inflight.signal });
  inflight = null;
  cache.set(key, data);
  if (!on) cache.set(`${data.on}|${to}`, data);
  return data;
}

async function refresh() {
  statusEl.textContent = 'Loading…';
  try {
    const data = await load(state.on, state.to);
    clear(errEl);
    state.on = data.on;
    if (Array.isArray(data.breakpoints) && data.breakpoints.length) state.breakpoints = data.breakpoints;
    syncControls();
    draw(data);
    syncUrl();
  } catch (e) {
    if (e.name === 'AbortError') return;
    clear(errEl, errorBox(e, 'Chart: '));
    statusEl.textContent = '';
  }
}

function syncUrl() {
  const p = new URLSearchParams(location.search);
  p.set('to', state.to);
  p.set('on', state.on);
  history.replaceState(null, '', `/?${p}`);
}

/** Index of the last breakpoint on or before the date (the stop whose rules are in force). */
function stopFor(date) {
  const b = state.breakpoints;
  let i = 0;
  for (let k = 0; k < b.length; k++) if (b[k] <= date) i = k;
  return i;
}

function syncControls() {
  const b = state.breakpoints;
  slider.max = String(Math.max(0, b.length - 1));
  slider.value = String(stopFor(state.on));
  const inForce = b[stopFor(state.on)];
  const text = inForce && inForce !== state.on ? `${state.on} (rules as changed on ${inForce})` : state.on;
  slider.setAttribute('aria-valuetext', text);
  dateOut.textContent = state.on;
  dateInput.value = state.on;
  $('#tick-min').textContent = b[0] || '';
  $('#tick-max').textContent = b[b.length - 1] || '';
  toSel.value = state.to;
}

// ---- scales -------------------------------------------------------------

function logScale([d0, d1], [r0, r1]) {
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const f = (v) => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0);
  f.domain = [d0, d1];
  return f;
}

function ticks([d0, d1]) {
  const out = [];
  for (let e = Math.floor(Math.log10(d0)); e <= Math.ceil(Math.log10(d1)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= d0 * 0.999 && v <= d1 * 1.001) out.push({ v, major: m === 1 });
    }
  }
  return out;
}

function s(tag, attrs = {}, ...kids) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) n.setAttribute(k, v);
  for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return n;
}

const tickLabel = (v) => (v >= 1000 ? `${v / 1000}k` : String(+v.toPrecision(3)));

// ---- drawing --------------------------------------------------------------

function draw(data) {
  const xr = data.x_range || [100, 100000];
  const yr = data.y_range || [0.1, 100];
  const x = logScale(xr, [M.l, M.l + PW]);
  const y = logScale(yr, [M.t + PH, M.t]);
  const keep = [...svg.querySelectorAll('title, desc')];
  svg.replaceChildren(...keep);

  // background regions
  const regions = s('g', { class: 'regions' });
  const groups = new Map();
  for (const c of data.cells || []) {
    const cls = outcomeClass(c);
    const px = x(c.x0), py = y(c.y1), pw = x(c.x1) - x(c.x0), ph = y(c.y0) - y(c.y1);
    const r = s('rect', { class: `cell ${cls}`, x: px, y: py, width: Math.max(0, pw), height: Math.max(0, ph) });
    r.dataset.eccn = c.eccn;
    regions.append(r);
    const key = `${c.eccn}|${cls}`;
    const area = pw * ph;
    if (!groups.has(key) || groups.get(key).area < area) groups.set(key, { area, px, py, pw, ph, c, cls });
  }
  svg.append(regions);

  // grid and thresholds
  const grid = s('g', { 'aria-hidden': 'true' });
  for (const t of ticks(xr)) if (t.major) grid.append(s('line', { class: 'grid', x1: x(t.v), x2: x(t.v), y1: M.t, y2: M.t + PH }));
  for (const t of ticks(yr)) if (t.major) grid.append(s('line', { class: 'grid', y1: y(t.v), y2: y(t.v), x1: M.l, x2: M.l + PW }));
  const xb = data.x_breaks || edges(data.cells, 'x0', 'x1', xr);
  const yb = data.y_breaks || edges(data.cells, 'y0', 'y1', yr);
  let lastX = -Infinity, row = 0;
  for (const v of xb) {
    grid.append(s('line', { class: 'threshold', x1: x(v), x2: x(v), y1: M.t, y2: M.t + PH }));
    row = x(v) - lastX < 64 ? row + 1 : 0;
    lastX = x(v);
    grid.append(s('text', { class: 'region-label', 'font-weight': 400, x: x(v) + 3, y: M.t + 11 + 12 * row, 'font-size': 10 }, `TPP ${fmt(v)}`));
  }
  for (const v of yb) {
    grid.append(s('line', { class: 'threshold', y1: y(v), y2: y(v), x1: M.l, x2: M.l + PW }));
    grid.append(s('text', { class: 'region-label', 'font-weight': 400, x: M.l + PW - 3, y: y(v) - 3, 'text-anchor': 'end', 'font-size': 10 }, `PD ${fmt(v)}`));
  }
  svg.append(grid);

  // region labels: one per (eccn, outcome), in its largest cell if it fits
  const labels = s('g', { 'aria-hidden': 'true' });
  for (const g of groups.values()) {
    if (g.pw < 58 || g.ph < 30) continue;
    // near the top of the cell, clear of the threshold labels: chips cluster along the diagonal
    const ty = g.ph > 120 ? g.py + 44 : g.py + g.ph / 2;
    const t = s('text', { class: 'region-label', x: g.px + g.pw / 2, y: ty, 'text-anchor': 'middle' });
    t.append(s('tspan', { x: g.px + g.pw / 2, dy: '-0.2em' }, g.c.eccn));
    if (g.ph >= 44) t.append(s('tspan', { x: g.px + g.pw / 2, dy: '1.2em', 'font-weight': 400 }, shortOutcome(g.c)));
    labels.append(t);
  }
  svg.append(labels);

  // axes
  const ax = s('g', { class: 'axis', 'aria-hidden': 'true' });
  ax.append(s('line', { x1: M.l, x2: M.l + PW, y1: M.t + PH, y2: M.t + PH }));
  ax.append(s('line', { x1: M.l, x2: M.l, y1: M.t, y2: M.t + PH }));
  for (const t of ticks(xr)) {
    ax.append(s('line', { x1: x(t.v), x2: x(t.v), y1: M.t + PH, y2: M.t + PH + (t.major ? 6 : 3) }));
    ax.append(s('text', { x: x(t.v), y: M.t + PH + 18, 'text-anchor': 'middle', 'font-weight': t.major ? 600 : 400 }, tickLabel(t.v)));
  }
  for (const t of ticks(yr)) {
    ax.append(s('line', { x1: M.l - (t.major ? 6 : 3), x2: M.l, y1: y(t.v), y2: y(t.v) }));
    ax.append(s('text', { x: M.l - 9, y: y(t.v) + 4, 'text-anchor': 'end', 'font-weight': t.major ? 600 : 400 }, tickLabel(t.v)));
  }
  ax.append(s('text', { class: 'axis-title', x: M.l + PW / 2, y: H - 8, 'text-anchor': 'middle' }, 'Total processing performance (TPP), log scale'));
  ax.append(s('text', { class: 'axis-title', x: 14, y: M.t + PH / 2, transform: `rotate(-90 14 ${M.t + PH / 2})`, 'text-anchor': 'middle' }, 'Performance density (TPP / mm²), log scale'));
  svg.append(ax);

  // chips
  const pts = s('g', { class: 'points' });
  const chips = [...(data.chips || [])].sort((a, b) => a.tpp - b.tpp);
  // chips at the same spot (variants with the same figures) are fanned out a little so each can be reached
  const spots = new Map();
  for (const c of chips) {
    const k = `${Math.round(x(c.tpp))},${Math.round(y(c.performance_density))}`;
    if (!spots.has(k)) spots.set(k, []);
    spots.get(k).push(c.id);
  }
  for (const c of chips) {
    const cls = outcomeClass(c);
    const cx0 = x(c.tpp), cy0 = y(c.performance_density);
    const clamped = clamp(cx0, M.l, M.l + PW) !== cx0 || clamp(cy0, M.t, M.t + PH) !== cy0;
    const same = spots.get(`${Math.round(cx0)},${Math.round(cy0)}`);
    const k = same.indexOf(c.id), n = same.length;
    const ang = (2 * Math.PI * k) / n - Math.PI / 2;
    const cx = clamp(cx0, M.l, M.l + PW) + (n > 1 ? 6 * Math.cos(ang) : 0);
    const cy = clamp(cy0, M.t, M.t + PH) + (n > 1 ? 6 * Math.sin(ang) : 0);
    const a = s('a', {
      href: `/chips/${encodeURIComponent(c.id)}?to=${encodeURIComponent(state.to)}&on=${state.on}`,
      class: `pt ${cls}${clamped ? ' clamped' : ''}`,
      'data-chip': c.id,
      'aria-label': `${chipName(c)}: TPP ${fmt(c.tpp)}, performance density ${fmt(c.performance_density)}, ${c.eccn}, ${outcomeText(c)}${clamped ? ' (outside the axis range, drawn at the edge)' : ''}`,
    });
    a.append(mark(cls, cx, cy), s('circle', { class: 'ring', cx, cy, r: 9 }));
    a.addEventListener('mouseenter', () => showTip(c, cx, cy, clamped));
    a.addEventListener('mouseleave', hideTip);
    a.addEventListener('focus', () => showTip(c, cx, cy, clamped));
    a.addEventListener('blur', hideTip);
    pts.append(a);
  }
  svg.append(pts);

  renderAssumptions(data);
  renderTable(data);
  const n = chips.length;
  statusEl.textContent = `${n} chips shown for ${data.destination || state.to} on ${data.on}` +
    (data.not_shown ? `; ${data.not_shown} catalog chips not shown (TPP or performance density unknown).` : '.');
  if (!drawnOnce) {
    drawnOnce = true;
    performance.mark('chipexport:chart-drawn');
    document.documentElement.dataset.chartReady = 'true';
  }
  document.documentElement.dataset.chartOn = data.on;
}

function edges(cells, a, b, range) {
  const set = new Set();
  for (const c of cells || []) { set.add(c[a]); set.add(c[b]); }
  return [...set].filter((v) => v > range[0] * 1.0001 && v < range[1] * 0.9999).sort((p, q) => p - q);
}

function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

function shortOutcome(c) {
  if (c.license_required === false) return 'no licence';
  if (c.license_required === true) return c.review_policy === 'presumption_of_denial' ? 'denial presumed' : `licence: ${policyText(c.review_policy)}`;
  return 'undetermined';
}

/** Shape by outcome, so colour is never the only cue: circle, square, diamond, triangle. */
function mark(cls, cx, cy) {
  const r = 5.5;
  if (cls === 'o-review') return s('rect', { class: 'mark', x: cx - r, y: cy - r, width: 2 * r, height: 2 * r });
  if (cls === 'o-denial') return s('polygon', { class: 'mark', points: `${cx},${cy - r - 1.5} ${cx + r + 1.5},${cy} ${cx},${cy + r + 1.5} ${cx - r - 1.5},${cy}` });
  if (cls === 'o-undet') return s('polygon', { class: 'mark', points: `${cx},${cy - r - 1} ${cx + r + 1},${cy + r} ${cx - r - 1},${cy + r}` });
  return s('circle', { class: 'mark', cx, cy, r });
}

function buildLegend() {
  const ul = $('#legend');
  for (const cls of ['o-free', 'o-review', 'o-denial', 'o-undet']) {
    const sw = s('svg', { width: 34, height: 18, 'aria-hidden': 'true' },
      s('rect', { class: `cell ${cls}`, x: 0, y: 0, width: 34, height: 18, stroke: '#c9d1d9' }));
    const g = s('g', { class: `pt ${cls}` }, mark(cls, 17, 9));
    sw.append(g);
    ul.append(el('li', {}, sw, OUTCOME_LABEL[cls]));
  }
  ul.append(el('li', { class: 'small muted' }, 'Region: outcome for a datacenter chip at that TPP and density under the stated assumptions. Point: the chip’s own outcome (it may differ: named chips, bandwidth lines). Dashed lines: thresholds of the rules in force.'));
}

function renderAssumptions(data) {
  const a = data.assumptions || {};
  const dl = el('dl');
  dl.append(el('dt', {}, 'date'), el('dd', {}, data.on));
  dl.append(el('dt', {}, 'destination'), el('dd', {}, data.destination || state.to));
  for (const [k, v] of Object.entries(a)) {
    dl.append(el('dt', {}, humanize(k)), el('dd', {}, v === null || v === undefined ? 'unknown' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)));
  }
  clear($('#assumptions'),
    el('p', { class: 'small', style: 'margin-top:0' }, 'Regions assume these facts; each chip point is decided with its own figures.'),
    dl,
    data.not_shown ? el('p', { class: 'small muted' }, `${data.not_shown} catalog chips lack TPP or density and are not drawn.`) : null,
    undeterminedNote(data.cells || []));
}

/** Rules the regions could not settle because a fact is not assumed (e.g. the model name). */
function undeterminedNote(cells) {
  const ids = [...new Set(cells.flatMap((c) => c.undetermined || []))].sort();
  if (!ids.length) return null;
  return el('details', { class: 'small' }, el('summary', {}, `${ids.length} rules undetermined for the regions`),
    el('p', {}, 'They read facts the regions do not assume (such as the model name or buyer); a chip’s own point and the check page decide them.'),
    el('ul', {}, ids.map((id) => {
      const [pack, local] = id.split('#');
      return el('li', {}, el('a', { href: `/rules/${encodeURIComponent(pack)}${local ? `#${encodeURIComponent(local)}` : ''}`, class: 'mono' }, id));
    })));
}

function renderTable(data) {
  const chips = [...(data.chips || [])].sort((a, b) => a.tpp - b.tpp);
  const tb = el('tbody');
  for (const c of chips) {
    tb.append(el('tr', { 'data-chip': c.id },
      el('td', {}, el('a', { href: `/chips/${encodeURIComponent(c.id)}?to=${state.to}&on=${state.on}` }, c.model, c.variant ? el('span', { class: 'muted small' }, ` ${c.variant}`) : null)),
      el('td', {}, c.vendor),
      el('td', { class: 'num' }, fmt(c.tpp)),
      el('td', { class: 'num' }, fmt(c.performance_density)),
      el('td', {}, c.eccn),
      el('td', {}, el('span', { class: ['badge', outcomeClass(c)] }, outcomeText(c)))));
  }
  clear($('#chip-table'), el('table', {},
    el('caption', {}, `${chips.length} chips, ${data.destination || state.to}, ${data.on}`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Chip'), el('th', { scope: 'col' }, 'Vendor'),
      el('th', { scope: 'col', class: 'num' }, 'TPP'), el('th', { scope: 'col', class: 'num' }, 'Perf. density'),
      el('th', { scope: 'col' }, 'ECCN'), el('th', { scope: 'col' }, 'US outcome'))),
    tb));
}

// ---- tooltip --------------------------------------------------------------

function showTip(c, cx, cy, clamped) {
  clear(tooltip,
    el('strong', {}, chipName(c)),
    el('div', {}, `TPP ${fmt(c.tpp)} · density ${fmt(c.performance_density)}`),
    el('div', {}, `${c.eccn} · ${outcomeText(c)}`),
    clamped ? el('div', {}, '(outside the axis range)') : null,
    el('div', { class: 'small' }, 'Open the chip page for details'));
  tooltip.hidden = false;
  const box = svg.getBoundingClientRect();
  const k = box.width / W;
  const left = cx * k + 12, top = cy * k + 12;
  const tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
  tooltip.style.left = `${left + tw > box.width ? cx * k - tw - 12 : left}px`;
  tooltip.style.top = `${top + th > box.height ? cy * k - th - 12 : top}px`;
}
function hideTip() { tooltip.hidden = true; }

// ---- controls -------------------------------------------------------------

let timer;
slider.addEventListener('input', () => {
  const d = state.breakpoints[+slider.value];
  if (!d) return;
  state.on = d;
  dateOut.textContent = d;
  slider.setAttribute('aria-valuetext', d);
  dateInput.value = d;
  clearTimeout(timer);
  timer = setTimeout(refresh, 60);
});
dateInput.addEventListener('change', () => {
  if (!dateInput.value) return;
  state.on = dateInput.value;
  refresh();
});
toSel.addEventListener('change', () => {
  state.to = toSel.value;
  refresh();
});
$('#chart-controls').addEventListener('submit', (e) => e.preventDefault());
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hideTip(); });

refresh();
