// Shared helpers for every page: API calls, DOM building, outcome classes,
// the session token, and the footer's rule-set hash. No libraries.

export const API = '/api/v1';
const TOKEN_KEY = 'chipexport-token';
const RULESET_KEY = 'chipexport-rule-set';

/** An API error: the server's {"error": {message, help, field}} and the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.help = e.help || '';
    this.field = e.field || null;
  }
}

/** fetch + JSON with the API's error shape. Returns {data, headers}. */
export async function apiRaw(path, { method = 'GET', body, headers = {}, signal, auth = false, raw = false } = {}) {
  const h = { ...headers };
  if (body !== undefined && !raw && !(body instanceof Blob)) h['content-type'] = 'application/json';
  if (auth) {
    const t = getToken();
    if (t) h.authorization = `Bearer ${t}`;
  }
  let res;
  try {
    res = await fetch(API + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : (raw || body instanceof Blob ? body : JSON.stringify(body)),
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: { message: 'The chipexport server could not be reached.', help: String(e.message || e) } });
  }
  const type = res.headers.get('content-type') || '';
  let data = null;
  if (type.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  } else {
    const text = await res.text();
    data = res.ok ? text : { error: { message: text || res.statusText } };
  }
  if (!res.ok) throw new ApiError(res.status, data);
  if (data && data.rule_set && data.rule_set.hash) rememberRuleSet(data.rule_set);
  return { data, headers: res.headers, status: res.status };
}

export async function api(path, opts) {
  return (await apiRaw(path, opts)).data;
}

/** Builds an element: el('a', {href, class: 'x', onclick}, 'text', child...). Text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const svg = SVG_TAGS.has(tag);
  const n = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
    else if (k === 'class') n.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else if (k in n && !svg && typeof v !== 'string') n[k] = v;
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  append(n, children);
  return n;
}
const SVG_TAGS = new Set(['svg', 'g', 'rect', 'circle', 'line', 'path', 'text', 'title', 'polygon', 'tspan', 'desc']);

function append(n, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Outcome class: o-free (no licence), o-review (licence: case-by-case, approval or no published policy), o-denial. */
export function outcomeClass(o) {
  if (!o) return 'o-undet';
  if (o.license_required === true) return o.review_policy === 'presumption_of_denial' ? 'o-denial' : 'o-review';
  if (o.license_required === false) return 'o-free';
  return 'o-undet';
}

export const OUTCOME_LABEL = {
  'o-free': 'No US licence required',
  'o-review': 'Licence required: approval or case-by-case review',
  'o-denial': 'Licence required: presumption of denial',
  'o-undet': 'Undetermined',
};

export function policyText(p) {
  if (p === null || p === undefined || p === '') return 'no published review policy';
  return String(p).replaceAll('_', '-').replace('presumption-of-', 'presumption of ').replace('case-by-case', 'case-by-case review');
}

/** Short outcome phrase for a decision-like object. */
export function outcomeText(o) {
  if (o.license_required === true) return `licence required (${policyText(o.review_policy)})`;
  if (o.license_required === false) return 'no licence required';
  return 'undetermined';
}

export function badge(o) {
  const c = outcomeClass(o);
  return el('span', { class: ['badge', c] }, outcomeText(o));
}

/** Text with every http(s) URL turned into a link. */
export function linkify(text) {
  const out = [];
  const s = String(text ?? '');
  const re = /https?:\/\/[^\s;,)]+[^\s;,).]/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    if (m.index > last) out.push(s.slice(last, m.index));
    out.push(el('a', { href: m[0], rel: 'noopener noreferrer', target: '_blank' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

export function fmt(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (typeof n !== 'number') return String(n);
  if (digits !== undefined) return n.toLocaleString('en-US', { maximumFractionDigits: digits });
  const a = Math.abs(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 0 : a >= 10 ? 1 : 2 });
}

/** Money given as a decimal string (or number), formatted with thousands separators. */
export function money(v) {
  if (v === null || v === undefined) return '—';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export function humanize(key) {
  return String(key).replaceAll('_', ' ');
}

/** An error box for an ApiError (or any error). */
export function errorBox(e, prefix = '') {
  const status = e && e.status ? ` (HTTP ${e.status})` : '';
  return el('div', { class: 'alert', role: 'alert' },
    el('strong', {}, `${prefix}${e.message || e}${status}`),
    e && e.help ? el('div', { class: 'small' }, e.help) : null,
    e && e.field ? el('div', { class: 'small' }, 'Field: ', el('code', {}, e.field)) : null);
}

export function params() {
  return new URLSearchParams(location.search);
}

// ---- token ----------------------------------------------------------------

export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
export function setToken(t) {
  try { t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage disabled */ }
}

/** A ?token= in the URL is moved into sessionStorage and removed from the address bar. */
function captureToken() {
  const p = params();
  if (!p.has('token')) return;
  setToken(p.get('token'));
  p.delete('token');
  const q = p.toString();
  history.replaceState(history.state, '', location.pathname + (q ? `?${q}` : '') + location.hash);
}

// ---- footer: the rule set --------------------------------------------------

function rememberRuleSet(rs) {
  try { sessionStorage.setItem(RULESET_KEY, JSON.stringify(rs)); } catch { /* ignore */ }
  showRuleSet(rs);
}

let ruleSetShown = false;
function showRuleSet(rs) {
  const slot = document.getElementById('rule-set');
  if (!slot || !rs) return;
  ruleSetShown = true;
  clear(slot, 'Rule set ', el('code', { title: 'SHA-256 of every rule pack and the country-group data' }, rs.id || ''),
    ' · hash ', el('code', { 'data-hash': rs.hash }, rs.hash || ''));
}

async function loadRuleSet() {
  let rs = null;
  try { rs = JSON.parse(sessionStorage.getItem(RULESET_KEY) || 'null'); } catch { /* ignore */ }
  if (rs) { showRuleSet(rs); return; }
  try {
    // the cheapest answer that names the rule set
    const d = await api('/rules');
    if (d && d.rule_set) rememberRuleSet(d.rule_set);
  } catch { /* footer stays generic */ }
}

/** Captures the token, and fills the footer once the page is idle. (The server's layout marks the current nav item.) */
export function initPage() {
  captureToken();
  // most answers carry the rule set; fetch the pack list for it only if none did by then
  let cached = null;
  try { cached = JSON.parse(sessionStorage.getItem(RULESET_KEY) || 'null'); } catch { /* ignore */ }
  if (cached) showRuleSet(cached);
  else setTimeout(() => { if (!ruleSetShown) loadRuleSet(); }, 1500);
}

/** Country codes and names for the destination pickers (display only; the server validates). */
export const COUNTRIES = [
  ['CN', 'China'], ['HK', 'Hong Kong'], ['MO', 'Macau'], ['TW', 'Taiwan'], ['US', 'United States'],
  ['AE', 'United Arab Emirates'], ['SA', 'Saudi Arabia'], ['IN', 'India'], ['SG', 'Singapore'], ['MY', 'Malaysia'],
  ['VN', 'Vietnam'], ['TH', 'Thailand'], ['ID', 'Indonesia'], ['JP', 'Japan'], ['KR', 'South Korea'],
  ['DE', 'Germany'], ['FR', 'France'], ['GB', 'United Kingdom'], ['NL', 'Netherlands'], ['IL', 'Israel'],
  ['RU', 'Russia'], ['BY', 'Belarus'], ['IR', 'Iran'], ['KP', 'North Korea'], ['NI', 'Nicaragua'],
  ['KH', 'Cambodia'], ['BR', 'Brazil'], ['MX', 'Mexico'], ['CA', 'Canada'], ['AU', 'Australia'],
  ['TR', 'Turkey'], ['PK', 'Pakistan'], ['KZ', 'Kazakhstan'], ['QA', 'Qatar'], ['EG', 'Egypt'],
];

export function countryOptions(selected) {
  return COUNTRIES.map(([c, n]) => el('option', { value: c, selected: c === selected }, `${c} — ${n}`));
}

/** Fills a <datalist> with catalog chips matching the text (debounced by the caller). */
export async function fillChipList(datalist, q, signal) {
  const chips = await api(`/chips${q ? `?q=${encodeURIComponent(q)}` : ''}`, { signal });
  clear(datalist, chips.slice(0, 80).map((c) =>
    el('option', { value: c.id }, `${c.vendor} ${c.model}${c.variant ? ` (${c.variant})` : ''}`)));
  return chips;
}

export function debounce(f, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => f(...a), ms); };
}

export function chipName(c) {
  if (!c) return '';
  return [c.vendor, c.model || c.name, c.variant ? `(${c.variant})` : ''].filter(Boolean).join(' ');
}
