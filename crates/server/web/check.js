// The check page: one question (chip or spec, destination, HQ, origin, date,
// buyer type) -> GET /api/v1/check -> the decision with its citations.
// The address bar carries the form, so a result can be linked and reloaded.
// Asking never writes: a GET is not logged. "Record this decision" POSTs the
// same question, which the service records in its decision log.
import {
  apiRaw, el, clear, $, initPage, outcomeClass, policyText, countryOptions, COUNTRIES, errorBox,
  linkify, fillChipList, debounce, humanize, fmt, ApiError,
} from './app.js';
import { partyMatch } from './party.js';

initPage();

const form = $('#check-form');
const result = $('#result');
const PARTY_FIELDS = ['buyer', 'buyer_country', 'end_user', 'end_user_country', 'consignee', 'consignee_country'];
const FIELDS = ['chip', 'to', 'end_user_hq', 'from', 'on', 'buyer_type', ...PARTY_FIELDS];
const COUNTRY_FIELDS = ['to', 'end_user_hq', 'from', 'buyer_country', 'end_user_country', 'consignee_country'];

clear($('#to'), countryOptions('CN'));
clear($('#country-list'), COUNTRIES.map(([c, n]) => el('option', { value: c }, n)));

// item source toggle
function itemMode() { return form.elements.item.value; }
function showItemMode() {
  const spec = itemMode() === 'spec';
  $('#chip-field').hidden = spec;
  $('#spec-field').hidden = !spec;
}
for (const r of form.querySelectorAll('input[name=item]')) r.addEventListener('change', showItemMode);

// chip search
let searchCtl;
const search = debounce(async () => {
  if (searchCtl) searchCtl.abort();
  searchCtl = new AbortController();
  try { await fillChipList($('#chip-list'), $('#chip').value.trim(), searchCtl.signal); } catch { /* keep the old list */ }
}, 150);
$('#chip').addEventListener('input', search);
fillChipList($('#chip-list'), '').catch(() => {});

/** The form as URL parameters (only what is filled in). */
function formParams() {
  const p = new URLSearchParams();
  if (itemMode() === 'spec') p.set('spec', $('#spec').value.trim());
  else p.set('chip', $('#chip').value.trim());
  for (const f of FIELDS.slice(1)) {
    let v = form.elements[f].value.trim();
    if (COUNTRY_FIELDS.includes(f)) v = v.toUpperCase();
    if (v) p.set(f, v);
  }
  return p;
}

/** Fills the form from URL parameters. Returns true when there is a question to ask. */
function fillForm(p) {
  const spec = p.get('spec');
  form.elements.item.value = spec ? 'spec' : 'chip';
  showItemMode();
  $('#spec').value = spec || '';
  $('#chip').value = p.get('chip') || '';
  const to = (p.get('to') || 'CN').toUpperCase();
  if (![...$('#to').options].some((o) => o.value === to)) $('#to').prepend(el('option', { value: to }, to));
  $('#to').value = to;
  for (const f of ['end_user_hq', 'from', 'on', 'buyer_type', ...PARTY_FIELDS]) form.elements[f].value = p.get(f) || '';
  return Boolean(spec || p.get('chip'));
}

/** The request body for the parameters; throws a located error for a bad spec. */
function body(p) {
  const b = {};
  if (p.has('spec')) {
    try { b.spec = JSON.parse(p.get('spec')); } catch (e) {
      throw new ApiError(400, { error: { message: `The spec is not valid JSON: ${e.message}`, field: 'spec', help: 'Paste the spec as JSON (the same keys as the TOML format in docs/spec-format.md).' } });
    }
  } else b.chip = p.get('chip');
  for (const f of FIELDS.slice(1)) if (p.get(f)) b[f] = p.get(f);
  return b;
}

let ctl;
async function run(p) {
  if (ctl) ctl.abort();
  ctl = new AbortController();
  clear(result, el('p', { class: 'loading' }, 'Checking…'));
  $('#check-submit').disabled = true;
  try {
    body(p); // a bad spec is reported before asking
    const { data } = await apiRaw(`/check?${p}`, { signal: ctl.signal });
    render(data, p);
  } catch (e) {
    if (e.name === 'AbortError') return;
    clear(result, el('h2', {}, 'The question could not be answered'), errorBox(e));
    if (e.field && form.elements[e.field]) form.elements[e.field].setAttribute('aria-invalid', 'true');
  } finally {
    $('#check-submit').disabled = false;
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  const p = formParams();
  if (itemMode() === 'chip' && !p.get('chip')) {
    clear(result, errorBox({ message: 'Choose a chip (or paste a spec).', field: 'chip' }));
    $('#chip').setAttribute('aria-invalid', 'true');
    $('#chip').focus();
    return;
  }
  history.pushState(null, '', `/check?${p}`);
  run(p);
});

window.addEventListener('popstate', () => {
  const p = new URLSearchParams(location.search);
  if (fillForm(p)) run(p); else clear(result);
});

// ---- rendering ------------------------------------------------------------

function section(title, items, renderItem, opts = {}) {
  if (!items || items.length === 0) return opts.empty ? el('section', {}, el('h2', {}, title), el('p', { class: 'muted small' }, opts.empty)) : null;
  const id = `sec-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return el('section', { 'aria-labelledby': id, class: opts.class },
    el('h2', { id }, `${title} (${items.length})`),
    el('ul', { class: 'cards' }, items.map((it) => el('li', {}, renderItem(it)))));
}

function ruleLink(rule) {
  if (!rule) return null;
  const [pack, local] = String(rule).split('#');
  return el('a', { href: `/rules/${encodeURIComponent(pack)}${local ? `#${encodeURIComponent(local)}` : ''}`, class: 'mono small' }, rule);
}

function citation(c) {
  if (!c) return null;
  return el('div', { class: 'citation' }, el('span', { class: 'muted' }, 'Citation: '), linkify(c));
}

function meta(...parts) {
  return el('div', { class: 'meta' }, parts.filter(Boolean).map((p, i) => [i ? ' · ' : '', p]));
}

function generic(it) {
  if (it === null || typeof it !== 'object') return String(it);
  if (it.text) return [el('div', {}, it.text), meta(it.kind && humanize(it.kind), it.rule && ruleLink(it.rule))];
  return el('pre', {}, JSON.stringify(it, null, 1));
}

function headline(d) {
  if (d.license_required === true) {
    return d.review_policy === 'presumption_of_denial'
      ? 'US licence required — presumption of denial'
      : `US licence required — ${policyText(d.review_policy)}`;
  }
  if (d.license_required === false) return 'No US licence required';
  if (d.status === 'outside_coverage') return 'Outside coverage: the encoded rules do not answer this question';
  const facts = (d.deciding_facts || []).join(', ');
  return `Cannot decide whether a US licence is required${facts ? ` — depends on ${facts}` : ''}`;
}

/** POSTs the question: the service records it and names the entry. */
async function record(p, button, status) {
  button.disabled = true;
  clear(status, 'Recording…');
  try {
    const { headers } = await apiRaw('/check', { method: 'POST', body: body(p) });
    const id = headers.get('x-decision-id');
    clear(status, 'Recorded as decision ', el('span', { id: 'decision-id', class: 'mono' }, id || '?'));
  } catch (e) {
    button.disabled = false;
    clear(status, errorBox(e));
  }
}

function render(d, p) {
  const cls = outcomeClass(d);
  const q = d.question || {};
  const item = q.item || {};
  const chipId = item.chip;
  const kv = el('dl', { class: 'kv' });
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '') kv.append(el('dt', {}, k), el('dd', {}, v)); };
  add('Item', chipId ? el('a', { href: `/chips/${encodeURIComponent(chipId)}?to=${q.destination || ''}&on=${q.on || ''}` }, [item.vendor, item.model].filter(Boolean).join(' ') || chipId) : (item.model || 'spec'));
  add('Destination', q.destination);
  add('Buyer HQ', q.end_user_hq);
  add('Exported from', q.exported_from);
  add('Date', q.on);
  add('Buyer type', q.buyer_type && humanize(q.buyer_type));
  add('ECCN', d.eccn);
  add('Licence required', d.license_required === true ? 'yes' : d.license_required === false ? 'no' : 'undetermined');
  add('Review policy', d.license_required ? policyText(d.review_policy) : null);
  add('Licence exceptions', (d.license_exceptions || []).length ? d.license_exceptions.join(', ') : 'none');
  add('Rule set', d.rule_set ? el('code', { class: 'small' }, d.rule_set.id) : null);

  const m = d.metrics || {};
  const der = m.derivation || {};
  const metrics = el('section', { 'aria-labelledby': 'sec-metrics' },
    el('h2', { id: 'sec-metrics' }, 'Metrics used'),
    el('ul', { class: 'plain small' },
      [der.tpp, der.performance_density, der.memory_plus_interconnect && `Memory + interconnect: ${der.memory_plus_interconnect}`]
        .filter(Boolean).map((t) => el('li', {}, t)),
      (der.notes || []).map((t) => el('li', { class: 'muted' }, t)),
      (der.unknown || []).length ? el('li', { class: 'muted' }, `Unknown: ${der.unknown.join(', ')}`) : null));

  const nearest = (d.nearest_lines || []);
  clear(result,
    el('div', { class: ['verdict', cls], id: 'verdict' },
      el('p', { class: 'headline' }, headline(d)),
      el('p', { class: 'summary' }, d.verdict),
      kv,
      el('p', { class: 'small' }, el('a', { href: `/check?${p}`, id: 'permalink' }, 'Link to this result'),
        ' · ', el('button', { type: 'button', class: 'link', onclick: () => copyJson(d) }, 'Copy JSON')),
      recordBox(p)),
    partiesSection(d.parties, d.owners),
    section('Reasons', mainReasons(d.reasons), reason, { empty: 'No rule fired: nothing in force applies to this question.' }),
    otherReasons(d.reasons),
    nearest.length ? el('section', { 'aria-labelledby': 'sec-nearest' },
      el('h2', { id: 'sec-nearest' }, `Nearest lines (${nearest.length})`),
      el('p', { class: 'small muted' }, 'How far the item is from each threshold of the rules in force: what would change the answer.'),
      el('ul', { class: 'plain nearest' }, nearest.map((n) => el('li', { class: n.holds ? 'holds' : '' },
        n.text, ' ', n.rule ? el('span', { class: 'small' }, '(', ruleLink(n.rule), ')') : null)))) : null,
    section('Conditions', d.conditions, (c) => [
      el('div', {}, el('strong', {}, humanize(c.kind || 'condition')), c.percent !== undefined ? ` ${fmt(c.percent)}%` : '', c.basis ? ` of ${c.basis}` : '', c.payee ? `, paid to ${c.payee}` : ''),
      meta(c.jurisdiction, c.instrument, c.legal_form && humanize(c.legal_form), c.confidence && `confidence: ${c.confidence}`),
      citation(c.citation), el('div', { class: 'small' }, 'Rule: ', ruleLink(c.rule)),
    ]),
    section('Measures', d.measures, measure),
    section('Possible measures', d.possible_measures, (pm) => [
      el('div', {}, pm.text),
      pm.would ? el('div', { class: 'small' }, 'Would be: ', pm.would.effect || humanize(pm.would.kind || '')) : null,
      meta((pm.missing || []).length && `depends on: ${pm.missing.join(', ')}`, pm.rule && ruleLink(pm.rule)),
    ]),
    section('Undetermined', d.undetermined, generic),
    section('Flags', d.flags, (f) => [el('div', {}, f.text), meta(f.kind && humanize(f.kind))], { class: 'flags' }),
    (d.exception_details || []).length ? section('Licence exceptions', d.exception_details, generic) : null,
    (d.not_enforced || []).length ? section('In force but not enforced', d.not_enforced, generic) : null,
    (d.displaced || []).length ? section('Displaced rules', d.displaced, generic) : null,
    (d.notices || []).length ? el('details', { class: 'section' },
      el('summary', {}, `Notices (${d.notices.length})`),
      el('ul', { class: 'cards' }, d.notices.map((n) => el('li', {}, [
        el('div', {}, n.text), meta(n.jurisdiction, n.instrument, n.kind && humanize(n.kind), n.confidence && `confidence: ${n.confidence}`),
        citation(n.citation)])))) : null,
    metrics);
  document.title = `${headline(d)} · Check · chipexport`;
}

/** The parties screened: each with its verdict and its best matches. */
function partiesSection(parties, owners) {
  const all = [...(parties || []).map((x) => ({ ...x, label: humanize(x.role) })),
    ...(owners || []).map((x) => ({ ...x, label: `owner${x.share !== null && x.share !== undefined ? ` (${fmt(x.share)}%)` : ''}` }))];
  if (!all.length) return null;
  return el('section', { 'aria-labelledby': 'sec-parties', id: 'parties' },
    el('h2', { id: 'sec-parties' }, `Parties (${all.length})`),
    el('ul', { class: 'cards' }, all.map((x) => el('li', { class: 'party' },
      el('div', {}, el('strong', {}, `${x.label}: ${x.name}`), x.country ? ` [${x.country}]` : '', ' — ',
        el('span', { class: 'party-verdict' }, x.verdict)),
      x.warning ? el('div', { class: 'small muted' }, x.warning) : null,
      (x.matches || []).length ? el('ul', { class: 'plain' }, x.matches.slice(0, 5).map((m) => el('li', {}, partyMatch(m, false)))) : null,
      (x.matches || []).length > 5 ? el('div', { class: 'small' }, el('a', { href: `/parties?name=${encodeURIComponent(x.name)}` }, `all ${x.matches.length} matches`)) : null))));
}

function recordBox(p) {
  const status = el('span', { id: 'record-status', role: 'status', class: 'small' });
  const button = el('button', { type: 'button', id: 'record-decision' }, 'Record this decision');
  button.addEventListener('click', () => record(p, button, status));
  return el('p', { class: 'small' }, button, ' ', status);
}

const SLOT_ORDER = ['classification', 'license_requirement', 'license_exception', 'review_policy', 'condition', 'measure'];
const slotRank = (r) => { const i = SLOT_ORDER.indexOf(r.slot); return i < 0 ? SLOT_ORDER.length : i; };
function mainReasons(rs) {
  return (rs || []).filter((r) => r.slot !== 'notice').sort((a, b) => slotRank(a) - slotRank(b));
}
function otherReasons(rs) {
  const notes = (rs || []).filter((r) => r.slot === 'notice');
  if (!notes.length) return null;
  return el('details', { class: 'section' }, el('summary', {}, `Reasons from notices and market facts (${notes.length})`),
    el('ul', { class: 'cards' }, notes.map((r) => el('li', {}, reason(r)))));
}
function reason(r) {
  return [
    el('div', {}, r.text),
    meta(r.instrument, r.paragraph, r.slot && humanize(r.slot), r.confidence && `confidence: ${r.confidence}`),
    citation(r.citation),
    (r.evidence || []).length ? el('ul', { class: 'evidence', 'aria-label': 'Evidence' }, r.evidence.map((e) => el('li', {}, el('code', {}, e)))) : null,
    el('div', { class: 'small' }, 'Rule: ', ruleLink(r.rule)),
  ];
}

function measure(x) {
  return [
    el('div', {}, el('strong', {}, `${x.jurisdiction}: ${humanize(x.kind || '')}`), x.effect ? ` — ${x.effect}` : ''),
    meta(x.instrument, x.authority, x.legal_form && humanize(x.legal_form), x.confidence && `confidence: ${x.confidence}`, (x.binds || []).length && `binds: ${x.binds.map(humanize).join(', ')}`),
    citation(x.citation), x.rule ? el('div', { class: 'small' }, 'Rule: ', ruleLink(x.rule)) : null,
  ];
}

async function copyJson(d) {
  try { await navigator.clipboard.writeText(JSON.stringify(d, null, 2)); } catch { /* clipboard unavailable */ }
}

// a linked question is answered on load
{
  const p = new URLSearchParams(location.search);
  if (fillForm(p)) run(p);
}
