// The licence page: a usage bar per line, the cumulative drawdowns over
// time against the licensed quantity, the expiry date and the alerts.
import { api, el, clear, $, initPage, errorBox, fmt, money } from './app.js';

initPage();

const number = decodeURIComponent(location.pathname.split('/')[2] || '');
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  for (const c of children) n.append(c);
  return n;
}

function bar(percent) {
  const p = Math.max(0, Math.min(100, Number(percent)));
  const cls = p >= 100 ? 'bar-full' : p >= 80 ? 'bar-warn' : 'bar-ok';
  return el('div', { class: 'usage', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(p), style: 'background:#eee;border-radius:4px;height:1.2em;width:100%;max-width:32em' },
    el('div', { class: cls, style: `width:${p}%;height:100%;border-radius:4px;background:${p >= 100 ? '#b00020' : p >= 80 ? '#c77700' : '#2e7d32'}` }));
}

// Cumulative units drawn by date, as a step line, with the quantity as a
// dashed ceiling and the expiry date marked.
function chart(draws, quantity, from, to) {
  const W = 640, H = 220, P = 36;
  const t0 = Date.parse(from), t1 = Date.parse(to);
  const x = (d) => P + (W - 2 * P) * ((Date.parse(d) - t0) / Math.max(1, t1 - t0));
  const sorted = [...draws].sort((a, b) => a.date.localeCompare(b.date));
  const top = Math.max(quantity || 0, sorted.reduce((s, d) => s + d.units, 0), 1);
  const y = (u) => H - P - (H - 2 * P) * (u / top);
  let sum = 0;
  let path = `M${x(from)},${y(0)}`;
  for (const d of sorted) {
    path += ` L${x(d.date)},${y(sum)}`;
    sum += d.units;
    path += ` L${x(d.date)},${y(sum)}`;
  }
  path += ` L${x(to)},${y(sum)}`;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': `Units drawn over time: ${sum} of ${quantity ?? 'no quantity limit'}` },
    svg('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#888' }),
    svg('path', { d: path, fill: 'none', stroke: '#1565c0', 'stroke-width': 2 }),
    svg('text', { x: P, y: H - 8, 'font-size': 11 }, from),
    svg('text', { x: W - P, y: H - 8, 'font-size': 11, 'text-anchor': 'end' }, `expires ${to}`),
    svg('line', { x1: x(to), y1: P / 2, x2: x(to), y2: H - P, stroke: '#b00020', 'stroke-dasharray': '3 3' }));
  if (quantity) {
    g.append(svg('line', { x1: P, y1: y(quantity), x2: W - P, y2: y(quantity), stroke: '#b00020', 'stroke-dasharray': '6 4' }),
      svg('text', { x: P + 4, y: y(quantity) - 4, 'font-size': 11 }, `licensed ${quantity}`));
  }
  return g;
}

async function load() {
  try {
    const s = await api(`/licences/${encodeURIComponent(number)}`);
    const l = s.licence, a = s.account;
    document.title = `Licence ${l.number} · chipexport`;
    clear($('#title'), `Licence ${l.number}`);
    clear($('#status'),
      el('p', {}, `${l.authority} licence held by ${l.holder}, to ${l.destinations.join(', ')}. Valid ${l.valid_from} to `, el('strong', {}, l.valid_to),
        ` (${a.days_to_expiry >= 0 ? `${a.days_to_expiry} days left` : 'expired'}).`),
      ...a.alerts.map((al) => el('p', { class: 'warning' }, `Alert: ${al.message}`)));
    clear($('#use'), ...a.lines.map((u) => el('div', {},
      el('p', {}, `Line ${u.line}: ${u.drawn_units} of ${u.quantity ?? '—'} units, ${money(u.drawn_value)} of ${money(u.value)} (with the 15 CFR 750.11 tolerance: ${money(u.value_ceiling)}); ${fmt(Number(u.used_percent), 2)}% used`),
      bar(u.used_percent))),
    el('p', {}, `Owed: revenue share ${money(a.totals.revenue_share)}, import duty ${money(a.totals.duty)}.`));
    const q = l.lines.reduce((s, x) => s + (x.quantity || 0), 0) || null;
    clear($('#draws'), s.drawdowns.length
      ? chart(s.drawdowns, q, l.valid_from, l.valid_to)
      : el('p', { class: 'muted' }, 'No drawdown yet.'),
    el('table', {}, el('thead', {}, el('tr', {}, ...['Date', 'Order', 'Line', 'Units', 'Value'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...s.drawdowns.map((d) => el('tr', {}, el('td', {}, d.date), el('td', {}, d.order), el('td', {}, String(d.line)), el('td', {}, String(d.units)), el('td', {}, money(d.value)))))));
    clear($('#terms'),
      el('ul', {}, ...a.conditions.map((c) => el('li', {}, c)), ...a.unchecked.map((c) => el('li', {}, `Not checked: ${c}`)), ...(l.provisos || []).map((p) => el('li', {}, `Proviso: ${p}`))));
  } catch (err) {
    clear($('#status'), errorBox(err));
  }
}

load();
