// The rules page: /rules lists the packs (one per legal instrument) by date,
// filterable by jurisdiction; /rules/{id} shows one pack's rules.
import { api, el, clear, $, params, initPage, errorBox, linkify, humanize, policyText } from './app.js';

initPage();

const root = $('#rules-root');
const packId = decodeURIComponent(location.pathname.split('/')[2] || '');

const JURISDICTION_NAMES = { US: 'United States', CN: 'China', TW: 'Taiwan', MY: 'Malaysia', SG: 'Singapore' };

function citationBlock(c) {
  if (!c) return null;
  if (typeof c === 'string') return el('div', { class: 'citation small' }, linkify(c));
  const parts = [];
  if (c.federal_register) parts.push(el('span', {}, c.federal_register));
  if (c.fr_document) parts.push(el('span', {}, `FR Doc. ${c.fr_document}`));
  if (c.rin) parts.push(el('span', {}, `RIN ${c.rin}`));
  if (c.docket) parts.push(el('span', {}, `Docket ${c.docket}`));
  return el('div', { class: 'citation small' },
    parts.length ? el('div', {}, parts.map((p, i) => [i ? ' · ' : '', p])) : null,
    (c.cfr || []).length ? el('div', {}, c.cfr.join('; ')) : null,
    (c.urls || []).length ? el('ul', { class: 'small' }, c.urls.map((u) => el('li', {}, linkify(u)))) : null);
}

function dates(m) {
  return `${m.effective || '?'}${m.until ? ` → ${m.until}` : ''}`;
}

// ---- list -----------------------------------------------------------------

async function list() {
  const d = await api('/rules');
  const packs = [...d.packs].sort((a, b) => String(b.meta.effective).localeCompare(String(a.meta.effective)));
  const q = params();
  const jurs = [...new Set(packs.map((p) => p.meta.jurisdiction).filter(Boolean))].sort();
  const statuses = [...new Set(packs.map((p) => p.meta.status).filter(Boolean))].sort();
  const jSel = el('select', { id: 'f-jurisdiction' }, el('option', { value: '' }, 'All'),
    jurs.map((j) => el('option', { value: j, selected: q.get('jurisdiction') === j }, `${j}${JURISDICTION_NAMES[j] ? ` — ${JURISDICTION_NAMES[j]}` : ''}`)));
  const sSel = el('select', { id: 'f-status' }, el('option', { value: '' }, 'All'),
    statuses.map((s) => el('option', { value: s, selected: q.get('status') === s }, humanize(s))));
  const text = el('input', { type: 'search', id: 'f-text', value: q.get('q') || '', placeholder: 'title, id, citation…' });
  const count = el('p', { class: 'small muted', 'aria-live': 'polite' });
  const ul = el('ul', { class: 'cards pack-list', id: 'pack-list' });

  function apply() {
    const j = jSel.value, s = sSel.value, t = text.value.trim().toLowerCase();
    let n = 0;
    for (const li of ul.children) {
      const ok = (!j || li.dataset.jurisdiction === j) && (!s || li.dataset.status === s) && (!t || li.dataset.search.includes(t));
      li.hidden = !ok;
      if (ok) n++;
    }
    count.textContent = `${n} of ${packs.length} packs`;
    const p = new URLSearchParams();
    if (j) p.set('jurisdiction', j);
    if (s) p.set('status', s);
    if (t) p.set('q', t);
    history.replaceState(null, '', `/rules${p.toString() ? `?${p}` : ''}`);
  }

  for (const p of packs) {
    const m = p.meta;
    ul.append(el('li', {
      'data-pack': p.id, 'data-jurisdiction': m.jurisdiction || '', 'data-status': m.status || '',
      'data-search': `${p.id} ${m.title || ''} ${m.short || ''} ${JSON.stringify(m.citation || '')}`.toLowerCase(),
    },
    el('div', { class: 'date' }, dates(m)),
    el('div', {},
      el('h2', { style: 'border:none;margin:0;font-size:1rem' }, el('a', { href: `/rules/${encodeURIComponent(p.id)}` }, m.short || p.id)),
      m.title && m.title !== m.short ? el('div', {}, m.title) : null,
      el('div', { class: 'meta' }, [m.jurisdiction, m.kind && humanize(m.kind), m.status && humanize(m.status), m.confidence && `confidence: ${m.confidence}`, `${p.rules} rules`, `${p.tests} tests`].filter(Boolean).join(' · ')),
      citationBlock(m.citation))));
  }
  for (const c of [jSel, sSel]) c.addEventListener('change', apply);
  text.addEventListener('input', apply);

  clear(root,
    el('h1', {}, 'Rule packs'),
    el('p', { class: 'muted small' }, 'One pack per legal instrument, newest first, each with its dates, citation and confidence. Rule set ',
      el('code', {}, d.rule_set ? d.rule_set.id : '')),
    el('form', { class: 'row', onsubmit: (e) => e.preventDefault(), role: 'search', 'aria-label': 'Filter packs' },
      el('div', { class: 'field' }, el('label', { for: 'f-jurisdiction' }, 'Jurisdiction'), jSel),
      el('div', { class: 'field' }, el('label', { for: 'f-status' }, 'Status'), sSel),
      el('div', { class: 'field' }, el('label', { for: 'f-text' }, 'Search'), text)),
    count, ul);
  apply();
}

// ---- one pack -------------------------------------------------------------

function outcome(then) {
  if (!then || typeof then !== 'object') return String(then ?? '');
  return Object.entries(then).map(([k, v]) => {
    if (k === 'review_policy' || k === 'policy') return `${humanize(k)}: ${policyText(v)}`;
    return `${humanize(k)}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`;
  });
}

async function one(id) {
  const p = await api(`/rules/${encodeURIComponent(id)}`);
  const m = p.meta || {};
  const kv = el('dl', { class: 'kv' });
  const add = (k, v) => { if (v) kv.append(el('dt', {}, k), el('dd', {}, v)); };
  add('Jurisdiction', m.jurisdiction);
  add('Kind', m.kind && humanize(m.kind));
  add('Authority', m.authority);
  add('Status', m.status && humanize(m.status));
  add('Published', m.published);
  add('Effective', dates(m));
  add('Confidence', m.confidence);
  add('Scope', m.scope && humanize(m.scope));
  add('File', p.file && el('code', {}, p.file));
  const rules = p.rules || [];
  const tests = p.tests || [];
  clear(root,
    el('p', { class: 'small' }, el('a', { href: '/rules' }, '← All packs')),
    el('h1', {}, m.short || p.id || id),
    m.title ? el('p', {}, m.title) : null,
    kv,
    m.summary ? el('p', {}, m.summary) : null,
    el('h2', {}, 'Citation'),
    citationBlock(m.citation),
    m.citation && m.citation.note ? el('p', { class: 'small muted' }, m.citation.note) : null,
    el('h2', {}, `Rules (${rules.length})`),
    el('ul', { class: 'cards', id: 'rule-list' }, rules.map((r) => el('li', { id: r.local_id || r.id, 'data-rule': r.id },
      el('div', {}, el('strong', {}, humanize(r.slot || 'rule')), ': ', r.text),
      el('div', { class: 'meta' }, [r.paragraph, r.from && `from ${r.from}${r.until ? ` until ${r.until}` : ''}`, r.confidence && `confidence: ${r.confidence}`].filter(Boolean).join(' · ')),
      el('div', { class: 'small' }, el('span', { class: 'muted' }, 'When: '), el('code', { class: 'rule-when' }, r.when || 'always')),
      el('div', { class: 'small' }, el('span', { class: 'muted' }, 'Then: '), outcome(r.then).map((t, i) => [i ? '; ' : '', t])),
      (r.overrides || []).length ? el('div', { class: 'small' }, el('span', { class: 'muted' }, 'Exception to: '), r.overrides.join(', ')) : null,
      r.note ? el('details', { class: 'small' }, el('summary', {}, 'Encoding note'), el('p', {}, r.note)) : null,
      el('div', { class: 'small muted mono' }, r.id)))),
    tests.length ? el('details', { class: 'section' }, el('summary', {}, `Test cases (${tests.length})`),
      el('ul', { class: 'plain small' }, tests.map((t) => el('li', {}, el('strong', {}, t.name || ''), ' — ',
        el('a', { href: `/check?${new URLSearchParams(Object.fromEntries(Object.entries({ chip: t.chip, to: t.to, on: t.on, end_user_hq: t.end_user_hq, buyer_type: t.buyer_type }).filter(([, v]) => v)))}` }, 'check it'))))) : null);
  document.title = `${m.short || id} · Rules · chipexport`;
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

(packId ? one(packId) : list()).catch((e) => clear(root, el('h1', {}, 'Rule packs'), errorBox(e)));
