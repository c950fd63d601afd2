// The parties page: a name -> POST /api/v1/parties/screen -> the list's
// date, any warning, and every match with its score, status, explanation,
// licence requirement, policy and any reviewer's decision. The address bar
// carries the question, so a result can be linked and reloaded.
import { api, el, clear, $, initPage, COUNTRIES, errorBox } from './app.js';
import { partyMatch } from './party.js';

initPage();

const form = $('#parties-form');
const out = $('#screening');
const FIELDS = ['name', 'country', 'on', 'threshold'];
clear($('#country-list'), COUNTRIES.map(([c, n]) => el('option', { value: c }, n)));

function formParams() {
  const p = new URLSearchParams();
  for (const f of FIELDS) {
    let v = form.elements[f].value.trim();
    if (f === 'country') v = v.toUpperCase();
    if (v) p.set(f, v);
  }
  return p;
}

function fillForm(p) {
  for (const f of FIELDS) form.elements[f].value = p.get(f) || '';
  return Boolean(p.get('name'));
}

let ctl;
async function run(p) {
  if (ctl) ctl.abort();
  ctl = new AbortController();
  clear(out, el('p', { class: 'loading' }, 'Screening…'));
  const body = {};
  for (const f of FIELDS) if (p.get(f)) body[f] = f === 'threshold' ? Number(p.get(f)) : p.get(f);
  try {
    render(await api('/parties/screen', { method: 'POST', body, signal: ctl.signal }));
  } catch (e) {
    if (e.name === 'AbortError') return;
    clear(out, el('h2', {}, 'The name could not be screened'), errorBox(e));
    if (e.field && form.elements[e.field]) form.elements[e.field].setAttribute('aria-invalid', 'true');
  }
}

const VERDICT_CLASS = { listed: 'required', clear: 'not-required' };

function render(s) {
  const verdict = s.matches.some((m) => m.status === 'match' || m.status === 'confirmed') ? 'listed'
    : s.matches.some((m) => m.status === 'possible') ? 'possible match: review needed' : 'clear';
  clear(out,
    el('div', { class: ['verdict', VERDICT_CLASS[verdict] || 'undetermined'], id: 'party-verdict' },
      el('p', { class: 'headline' }, `${s.query}: ${verdict}`),
      el('p', { class: 'small' }, 'List of ', el('strong', { id: 'list-date' }, s.list_date), ` (${s.list_source}), question of ${s.on}, threshold ${s.threshold}`),
      s.warning ? el('p', { class: 'alert', role: 'note', id: 'list-warning' }, s.warning) : null),
    s.matches.length
      ? el('section', { 'aria-labelledby': 'sec-matches' },
        el('h2', { id: 'sec-matches' }, `Matches (${s.matches.length})`),
        el('ul', { class: 'cards', id: 'matches' }, s.matches.map((m) => el('li', {}, partyMatch(m, true)))))
      : el('p', { class: 'muted', id: 'no-matches' }, 'No entry scores at or above the threshold.'));
  document.title = `${s.query}: ${verdict} · Parties · chipexport`;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  const p = formParams();
  if (!p.get('name')) {
    clear(out, errorBox({ message: 'Type a name to screen.', field: 'name' }));
    $('#name').setAttribute('aria-invalid', 'true');
    $('#name').focus();
    return;
  }
  history.pushState(null, '', `/parties?${p}`);
  run(p);
});

window.addEventListener('popstate', () => {
  const p = new URLSearchParams(location.search);
  if (fillForm(p)) run(p); else clear(out);
});

{
  const p = new URLSearchParams(location.search);
  if (fillForm(p)) run(p);
}
