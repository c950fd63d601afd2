// The chip page: metrics with their derivation, confidence and sources; the
// market-access timeline for a destination; a compare box.
import {
  api, el, clear, $, params, initPage, outcomeClass, outcomeText, countryOptions, COUNTRIES, errorBox,
  linkify, fmt, humanize, fillChipList, debounce, chipName, policyText,
} from './app.js';

initPage();

const id = decodeURIComponent(location.pathname.split('/')[2] || '');
const q = params();
const state = { to: (q.get('to') || 'CN').toUpperCase(), on: q.get('on') || '', hq: (q.get('end_user_hq') || '').toUpperCase() };
let chip = null;

clear($('#tl-to'), countryOptions(state.to));
if (!COUNTRIES.some(([c]) => c === state.to)) $('#tl-to').prepend(el('option', { value: state.to, selected: true }, state.to));
clear($('#country-list'), COUNTRIES.map(([c, n]) => el('option', { value: c }, n)));
$('#tl-hq').value = state.hq;
$('#cmp-on').value = state.on;

function syncUrl() {
  const p = new URLSearchParams();
  p.set('to', state.to);
  if (state.on) p.set('on', state.on);
  if (state.hq) p.set('end_user_hq', state.hq);
  history.replaceState(null, '', `${location.pathname}?${p}`);
  const c = new URLSearchParams({ chip: id, to: state.to });
  if (state.hq) c.set('end_user_hq', state.hq);
  if (state.on) c.set('on', state.on);
  $('#check-link').href = `/check?${c}`;
}

// ---- metrics --------------------------------------------------------------

/** Confidence of a metric: the API's per-metric confidence if given, else the spec's figures it rests on. */
function confidenceOf(metric, m, spec) {
  const mc = (m && m.confidence) || {};
  if (mc[metric]) return mc[metric];
  const sc = spec.confidence || {};
  const basis = {
    tpp: ['throughput'],
    performance_density: ['throughput', 'die_area_mm2'],
    memory_bandwidth_gbps: ['memory_bandwidth_gbps'],
    interconnect_gbps: ['interconnect_gbps'],
    memory_plus_interconnect_gbps: ['memory_bandwidth_gbps', 'interconnect_gbps'],
    die_area_mm2: ['die_area_mm2'],
  }[metric] || [metric];
  const vals = basis.map((b) => sc[b]).filter(Boolean);
  if (!vals.length) return null;
  const rank = ['confirmed', 'secondary', 'estimate', 'unconfirmed'];
  return vals.sort((a, b) => rank.indexOf(b) - rank.indexOf(a))[0]; // the weakest
}

function renderChip(d) {
  chip = d;
  const spec = d.spec || {};
  const m = d.metrics || {};
  const der = m.derivation || {};
  const name = chipName({ vendor: spec.vendor, model: spec.name, variant: spec.variant }) || id;
  $('#chip-title').textContent = name;
  document.title = `${name} · chipexport`;

  const rows = [
    ['TPP', m.tpp, der.tpp, 'tpp', m.tpp_precision ? `highest at ${m.tpp_precision}` : null],
    ['Performance density', m.performance_density, der.performance_density, 'performance_density', 'TPP per mm² of applicable die area'],
    ['Memory bandwidth (GB/s)', m.memory_bandwidth_gbps, null, 'memory_bandwidth_gbps'],
    ['Interconnect (GB/s)', m.interconnect_gbps, null, 'interconnect_gbps'],
    ['Memory + interconnect (GB/s)', m.memory_plus_interconnect_gbps, der.memory_plus_interconnect, 'memory_plus_interconnect_gbps'],
    ['Die area (mm²)', m.die_area_mm2, null, 'die_area_mm2'],
  ];
  const tb = el('tbody');
  for (const [label, v, line, key, hint] of rows) {
    const conf = confidenceOf(key, m, spec);
    tb.append(el('tr', { 'data-metric': key },
      el('th', { scope: 'row' }, label),
      el('td', { class: 'num' }, v === null || v === undefined ? el('span', { class: 'muted' }, 'unknown') : fmt(v)),
      el('td', {}, line ? el('span', { class: 'mono small derivation' }, line) : null, hint ? el('div', { class: 'small muted' }, hint) : null),
      el('td', {}, conf ? el('span', { class: 'badge plain' }, conf) : el('span', { class: 'muted small' }, '—'))));
  }
  const terms = der.tpp_terms || [];
  clear($('#metrics'),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Metric'), el('th', { scope: 'col', class: 'num' }, 'Value'),
        el('th', { scope: 'col' }, 'Derivation'), el('th', { scope: 'col' }, 'Confidence'))),
      tb)),
    (der.notes || []).length ? el('ul', { class: 'small' }, der.notes.map((n) => el('li', {}, n))) : null,
    (der.unknown || []).length ? el('p', { class: 'small muted' }, `Unknown figures: ${der.unknown.join(', ')}. Unknown figures stay unknown; nothing is guessed.`) : null,
    terms.length ? el('details', {}, el('summary', {}, 'TPP by precision'),
      el('table', {}, el('thead', {}, el('tr', {}, ['Precision', 'TOPS', 'Bits', 'TOPS × bits'].map((h, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, h)))),
        el('tbody', {}, terms.map((t) => el('tr', {}, el('td', {}, t.precision), el('td', { class: 'num' }, fmt(t.tops)), el('td', { class: 'num' }, t.bits), el('td', { class: 'num' }, fmt(t.value))))))) : null,
    specFacts(spec));

  const src = spec.sources || [];
  clear($('#sources'),
    spec.source_quality ? el('p', { class: 'small' }, el('strong', {}, 'Source quality: '), spec.source_quality) : null,
    src.length ? el('ul', { class: 'small' }, src.map((s) => el('li', {},
      s.url ? el('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank' }, s.url) : null,
      s.note ? ` — ${s.note}` : '',
      (s.covers || []).length ? el('span', { class: 'muted' }, ` (covers ${s.covers.map(humanize).join(', ')})`) : null))) : el('p', { class: 'muted small' }, 'No sources recorded.'),
    Object.keys(spec.confidence || {}).length ? el('p', { class: 'small' }, el('strong', {}, 'Confidence by figure: '),
      Object.entries(spec.confidence).map(([k, v], i) => [i ? '; ' : '', `${humanize(k)}: ${v}`])) : null,
    spec.notes ? el('p', { class: 'small muted', style: 'white-space: pre-line' }, spec.notes) : null);
}

function specFacts(spec) {
  const facts = [
    ['Vendor', spec.vendor], ['Variant', spec.variant], ['Datacenter part', yesNo(spec.datacenter)], ['Non-planar logic', yesNo(spec.non_planar)],
    ['Process', spec.process_node], ['Logic dies', spec.logic_die_count], ['Memory', spec.memory_gb ? `${fmt(spec.memory_gb)} GB ${spec.memory_type || ''}` : null],
    ['TDP', spec.tdp_w ? `${fmt(spec.tdp_w)} W` : null], ['Form factor', spec.form_factor], ['Launch year', spec.launch_year],
    ['Designer HQ', spec.origin_country], ['ECCN claimed by vendor', spec.eccn_claimed], ['Catalog id', spec.id],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const dl = el('dl', { class: 'kv small' });
  for (const [k, v] of facts) dl.append(el('dt', {}, k), el('dd', {}, String(v)));
  return el('details', {}, el('summary', {}, 'Spec'), dl);
}
const yesNo = (b) => (b === true ? 'yes' : b === false ? 'no' : null);

// ---- timeline -------------------------------------------------------------

const DAY = 86400000;
const t = (d) => Date.parse(`${d}T00:00:00Z`);

async function loadTimeline() {
  const box = $('#timeline');
  clear(box, el('p', { class: 'loading' }, 'Loading the timeline…'));
  const body = { chip: id, to: state.to };
  if (state.hq) body.end_user_hq = state.hq;
  try {
    const d = await api('/timeline', { method: 'POST', body });
    renderTimeline(d);
  } catch (e) {
    clear(box, errorBox(e, 'Timeline: '));
  }
}

function renderTimeline(d) {
  const iv = d.intervals || [];
  const box = $('#timeline');
  if (!iv.length) { clear(box, el('p', { class: 'muted' }, 'No intervals.')); return; }
  const focus = state.on || iv[iv.length - 1].from;
  const start = t(iv[0].from);
  const lastFrom = t(iv[iv.length - 1].from);
  const end = Math.max(iv[iv.length - 1].to ? t(iv[iv.length - 1].to) : lastFrom + 365 * DAY, state.on ? t(state.on) + 30 * DAY : 0);
  const band = el('div', { class: 'band', role: 'img', 'aria-label': `US outcome over time for ${d.destination}; details in the list below` });
  for (const x of iv) {
    const a = t(x.from), b = x.to ? t(x.to) : end;
    const cur = focus >= x.from && (!x.to || focus < x.to);
    band.append(el('span', {
      class: [outcomeClass(x), cur && 'current'],
      style: `width:${(((b - a) / (end - start)) * 100).toFixed(3)}%`,
      title: `${x.from} → ${x.to || 'open'}: ${outcomeText(x)}`,
    }));
  }
  const list = el('ol', { class: 'timeline', tabindex: '0', 'aria-label': 'Intervals, newest first' });
  // newest first: the question is usually "what now", and history follows
  for (const x of [...iv].reverse()) {
    const cur = focus >= x.from && (!x.to || focus < x.to);
    const usMeasures = (x.measures || []);
    const cs = x.conditions || [];
    list.append(el('li', { class: [outcomeClass(x), cur && 'current'], 'aria-current': cur ? 'date' : null },
      el('div', {}, el('span', { class: 'dates' }, `${x.from} → ${x.to || 'open'}`), ' ',
        el('span', { class: ['badge', outcomeClass(x)] }, `US: ${outcomeText(x)}`),
        x.eccn ? el('span', { class: 'small muted' }, ` · ${x.eccn}`) : null,
        cur ? el('strong', { class: 'small' }, state.on ? ' · the chosen date' : ' · latest') : null),
      el('div', { class: 'small muted' }, x.verdict),
      (cs.length || usMeasures.length) ? el('div', { class: 'small tags' },
        cs.map((c) => el('span', { class: 'badge plain', title: c.citation || '' }, `US condition: ${humanize(c.kind)}${c.percent !== undefined ? ` ${c.percent}%` : ''}`)),
        usMeasures.map((m) => el('span', { class: 'badge plain', title: `${m.effect || ''} (${humanize(m.legal_form || '')}, ${m.confidence})` }, `${m.jurisdiction}: ${humanize(m.kind)}`))) : null,
      (x.opened_by || []).length ? el('ul', { 'aria-label': 'What changed' }, x.opened_by.map((o) => el('li', {}, o))) : null,
      (x.also_in_force || []).length ? el('details', { class: 'small' }, el('summary', {}, `Also from this date (${x.also_in_force.length})`),
        el('ul', {}, x.also_in_force.map((o) => el('li', {}, o)))) : null));
  }
  clear(box,
    el('p', { class: 'small' }, `${d.name || id} to ${d.destination}${state.hq ? `, buyer headquartered in ${state.hq}` : ''}: ${iv.length} intervals, each opened by an instrument. Colour: the US outcome; the destination's measures are listed in each interval.`),
    band,
    el('div', { class: 'band-scale', 'aria-hidden': 'true' }, el('span', {}, iv[0].from), el('span', {}, iv[iv.length - 1].to || 'today →')),
    list);
  // bring the interval of the chosen date into view inside the list
  const cur = list.querySelector('li.current');
  if (cur) list.scrollTop = cur.offsetTop - list.offsetTop;
}

$('#timeline-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.to = $('#tl-to').value;
  state.hq = $('#tl-hq').value.trim().toUpperCase();
  syncUrl();
  loadTimeline();
});

// ---- compare --------------------------------------------------------------

const picked = [id];
function renderPicked() {
  clear($('#cmp-picked'), picked.map((c, i) => el('li', {}, c,
    i === 0 ? null : el('button', { type: 'button', class: 'link', 'aria-label': `Remove ${c}`, onclick: () => { picked.splice(i, 1); renderPicked(); } }, '×'))));
}
renderPicked();

let sctl;
$('#cmp-chip').addEventListener('input', debounce(async () => {
  if (sctl) sctl.abort();
  sctl = new AbortController();
  try { await fillChipList($('#cmp-chip-list'), $('#cmp-chip').value.trim(), sctl.signal); } catch { /* keep list */ }
}, 150));
function addPicked() {
  const v = $('#cmp-chip').value.trim();
  if (v && !picked.includes(v)) picked.push(v);
  $('#cmp-chip').value = '';
  renderPicked();
}
$('#cmp-add').addEventListener('click', addPicked);
$('#cmp-chip').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); addPicked(); } });

$('#compare-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if ($('#cmp-chip').value.trim()) addPicked();
  const body = { chips: picked, to: state.to, domestic: $('#cmp-domestic').checked };
  const on = $('#cmp-on').value;
  if (on) body.on = on;
  if (state.hq) body.end_user_hq = state.hq;
  const box = $('#compare');
  clear(box, el('p', { class: 'loading' }, 'Comparing…'));
  try {
    const d = await api('/compare', { method: 'POST', body });
    const rows = d.chips;
    clear(box, el('div', { class: 'table-wrap' }, el('table', { id: 'compare-table' },
      el('caption', {}, `To ${d.destination} on ${d.on}`),
      el('thead', {}, el('tr', {}, ['Chip', 'Domestic', 'TPP', 'Perf. density', 'ECCN', 'US outcome', 'Verdict']
        .map((h) => el('th', { scope: 'col', class: ['TPP', 'Perf. density'].includes(h) ? 'num' : '' }, h)))),
      el('tbody', {}, rows.map((r) => {
        const cid = r.chip;
        return el('tr', {},
          el('td', {}, el('a', { href: `/chips/${encodeURIComponent(cid)}?to=${state.to}${on ? `&on=${on}` : ''}` }, r.name)),
          el('td', {}, r.domestic ? 'yes' : 'no'),
          el('td', { class: 'num' }, fmt(r.tpp)),
          el('td', { class: 'num' }, fmt(r.performance_density)),
          el('td', {}, r.eccn),
          el('td', {}, el('span', { class: ['badge', outcomeClass(r)] }, r.license_required ? `licence (${policyText(r.review_policy)})` : outcomeText(r))),
          el('td', { class: 'small' }, r.verdict));
      })))));
  } catch (e) {
    clear(box, errorBox(e, 'Compare: '));
  }
});

// ---- load -----------------------------------------------------------------

syncUrl();
(async () => {
  try {
    renderChip(await api(`/chips/${encodeURIComponent(id)}`));
  } catch (e) {
    $('#chip-title').textContent = id || 'Chip';
    clear($('#chip-error'), errorBox(e));
    clear($('#metrics'));
    return;
  }
  loadTimeline();
})();
