// The ledger page: upload an order book (with the service token), follow the
// screening job, download the screened file, then run an impact report and
// draw the value newly needing a licence by chip.
import { api, apiRaw, el, clear, $, initPage, errorBox, getToken, setToken, money, humanize, fmt } from './app.js';

initPage();

const JOB_KEY = 'chipexport-job';
const tokenInput = $('#token');
tokenInput.value = getToken();
tokenInput.addEventListener('change', () => setToken(tokenInput.value.trim()));

const status = $('#upload-status');
let job = null;
let pollTimer = null;

$('#upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setToken(tokenInput.value.trim());
  const file = $('#file').files[0];
  if (!file) {
    clear(status, errorBox({ message: 'Choose a ledger file first (.csv, .parquet or .jsonl).' }));
    $('#file').focus();
    return;
  }
  if (!getToken()) {
    clear(status, errorBox({ message: 'An access token is needed to upload.', help: 'Open the address the server printed at start (it ends in ?token=…), or paste the token from DATA/token.' }));
    tokenInput.focus();
    return;
  }
  $('#upload-btn').disabled = true;
  clear(status, el('p', { class: 'loading' }, `Uploading ${file.name} (${fmt(file.size / 1024, 0)} KiB)…`));
  try {
    const { data } = await apiRaw(`/screen?name=${encodeURIComponent(file.name)}`, {
      method: 'POST', body: file, auth: true, headers: { 'content-type': 'application/octet-stream' },
    });
    clear(status, el('p', {}, `Uploaded ${file.name}: job `, el('code', {}, data.id), '.'));
    startJob(data);
  } catch (err) {
    const auth = err.status === 401 || err.status === 403;
    clear(status, errorBox(err, auth ? 'Upload refused: ' : 'Upload failed: '));
  } finally {
    $('#upload-btn').disabled = false;
  }
});

function startJob(j) {
  job = j;
  try { sessionStorage.setItem(JOB_KEY, j.id); } catch { /* ignore */ }
  $('#job-section').hidden = false;
  clearTimeout(pollTimer);
  renderJob(j);
  poll();
}

async function poll() {
  try {
    const j = await api(`/jobs/${encodeURIComponent(job.id)}`, { auth: true });
    job = j;
    renderJob(j);
    if (j.state === 'running') pollTimer = setTimeout(poll, 400);
  } catch (err) {
    clear($('#job'), errorBox(err, 'Job: '));
  }
}

function renderJob(j) {
  const box = $('#job');
  const running = j.state === 'running';
  const total = j.summary && j.summary.rows;
  const head = el('p', { id: 'job-state', 'data-state': j.state },
    el('strong', {}, j.name || j.id), ': ',
    running ? `screening… ${fmt(j.rows_done || 0, 0)} rows done` : j.state === 'done' ? `done, ${fmt(j.rows_done, 0)} rows screened` : j.state === 'interrupted' ? 'interrupted' : `failed`);
  const bar = running ? el('progress', { 'aria-label': 'Rows screened', ...(total ? { max: total, value: j.rows_done } : {}) }) : null;
  const parts = [head, bar];
  if (j.state === 'failed' || j.state === 'interrupted') parts.push(errorBox({ message: j.error || 'The job failed.', help: j.help }));
  if (j.state === 'done') {
    parts.push(summary(j.summary || {}));
    parts.push(el('p', {},
      el('a', { class: 'button', id: 'download', href: `/api/v1/jobs/${encodeURIComponent(j.id)}/result`, download: `screened-${j.name || 'ledger'}` }, 'Download the screened file'),
      el('span', { class: 'small muted' }, ' Every input row, with eccn, licence, review policy, measures, verdict and error columns added.')));
    $('#impact-section').hidden = false;
  }
  clear(box, parts);
}

function summary(s) {
  const rows = [
    ['Rows', s.rows], ['Rows with an error', s.rows_with_error], ['Licence required', s.license_required],
    ['No licence required', s.not_required], ['Cannot decide (facts missing)', s.undetermined], ['Outside coverage', s.outside_coverage],
    ['Presumption of denial', s.presumption_of_denial], ['With a revenue share', s.with_revenue_share],
    ['Distinct questions', s.distinct_questions], ['Distinct answers', s.distinct_answers],
  ].filter(([, v]) => v !== undefined);
  const known = new Set(['rows', 'rows_with_error', 'license_required', 'not_required', 'undetermined', 'outside_coverage', 'presumption_of_denial', 'with_revenue_share', 'distinct_questions', 'distinct_answers', 'errors', 'rule_set_hash']);
  for (const [k, v] of Object.entries(s)) if (!known.has(k) && typeof v !== 'object') rows.push([humanize(k), v]);
  const errs = Object.entries(s.errors || {});
  return el('div', {},
    el('table', { id: 'job-summary', class: 'small', style: 'max-width: 480px' },
      el('caption', {}, 'Summary'),
      el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', { class: 'num' }, typeof v === 'number' ? fmt(v, 0) : String(v)))))),
    errs.length ? el('div', { class: 'alert' }, el('strong', {}, 'Rows that could not be decided'),
      el('ul', { class: 'small' }, errs.map(([k, v]) => el('li', {}, `${k}: ${v}`)))) : null,
    s.rule_set_hash ? el('p', { class: 'small muted' }, 'Rule set hash ', el('code', {}, s.rule_set_hash)) : null);
}

// ---- impact ---------------------------------------------------------------

$('#impact-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!job) return;
  const box = $('#impact');
  const before = $('#before').value, after = $('#after').value;
  clear(box, el('p', { class: 'loading' }, 'Computing the impact…'));
  try {
    const d = await api(`/jobs/${encodeURIComponent(job.id)}/impact?before=${before}&after=${after}`, { auth: true });
    renderImpact(d);
  } catch (err) {
    clear(box, errorBox(err, 'Impact: '));
  }
});

// Totals: plain counts, then buckets (orders, units, value by currency).
const COUNTS = [['orders', 'Orders'], ['orders_changed', 'Orders whose answer changed'], ['units', 'Units']];
const BUCKETS = [
  ['newly_license_required', 'Newly needing a licence'], ['newly_presumption_of_denial', 'Newly under presumption of denial'],
  ['review_policy_changed', 'Review policy changed'], ['measures_changed', 'Measures changed (any jurisdiction)'],
  ['newly_undetermined', 'Newly undetermined (facts missing)'], ['newly_determined', 'Newly determined'],
  ['freed', 'Freed (licence no longer needed)'],
];

/** Amounts by currency, never added across currencies: "USD 1,200.00; EUR 300.00". */
function amounts(m) {
  const parts = Object.entries(m || {}).filter(([, v]) => Number(v) !== 0).map(([c, v]) => `${c} ${money(v)}`);
  return parts.length ? parts.join('; ') : '0';
}

function renderImpact(d) {
  const t = d.total || {};
  const currencies = d.currencies || [];
  // One bar per chip and currency: value newly needing a licence.
  const byChip = [];
  for (const [chip, r] of Object.entries(d.by_chip || {})) {
    for (const cur of currencies) {
      const v = Number((r.newly_license_required?.value || {})[cur] || 0);
      const den = Number((r.newly_presumption_of_denial?.value || {})[cur] || 0);
      if (v > 0 || den > 0) byChip.push({ chip: currencies.length > 1 ? `${chip} (${cur})` : chip, cur, v, d: den });
    }
  }
  byChip.sort((a, b) => b.v - a.v);
  const byDest = Object.entries(d.by_destination || {})
    .map(([dest, r]) => ({ dest, n: r.newly_license_required?.orders || 0, v: r.newly_license_required?.value || {} }))
    .filter((x) => x.n > 0).sort((a, b) => b.n - a.n);
  const changes = d.changes || [];
  clear($('#impact'),
    el('p', {}, `${d.before} → ${d.after}: ${fmt(d.rows, 0)} rows${d.rows_with_error ? `, ${d.rows_with_error} with errors` : ''}.`,
      currencies.length > 1 ? ` Amounts are per currency (${currencies.join(', ')}); they are never added across currencies.` : ''),
    el('div', { class: 'chip-layout' },
      el('div', {},
        el('h3', {}, 'Value newly needing a licence, by chip'),
        byChip.length ? bars(byChip) : el('p', { class: 'muted' }, 'No order newly needs a licence.')),
      el('div', {},
        el('h3', {}, 'Totals'),
        el('table', { id: 'impact-totals', class: 'small' }, el('tbody', {},
          COUNTS.filter(([k]) => t[k] !== undefined).map(([k, label]) =>
            el('tr', {}, el('th', { scope: 'row' }, label), el('td', { class: 'num' }, fmt(Number(t[k]), 0)))),
          el('tr', {}, el('th', { scope: 'row' }, 'Value'), el('td', { class: 'num' }, amounts(t.value))),
          BUCKETS.filter(([k]) => t[k]).map(([k, label]) =>
            el('tr', {}, el('th', { scope: 'row' }, label),
              el('td', { class: 'num' }, `${fmt(t[k].orders, 0)} orders, ${fmt(t[k].units, 0)} units, ${amounts(t[k].value)}`))),
          el('tr', {}, el('th', { scope: 'row' }, 'New revenue share owed'), el('td', { class: 'num' }, amounts(t.new_revenue_share_owed))))),
        byDest.length ? [el('h3', {}, 'By destination (newly needing a licence)'),
          el('table', { class: 'small' }, el('tbody', {}, byDest.map((x) =>
            el('tr', {}, el('th', { scope: 'row' }, x.dest), el('td', { class: 'num' }, `${fmt(x.n, 0)} orders, ${amounts(x.v)}`)))))] : null)),
    changes.length ? el('details', { class: 'section' }, el('summary', {}, `Orders whose answer changed (${changes.length}${d.changes_omitted ? ` shown, ${d.changes_omitted} more` : ''})`),
      el('div', { class: 'table-wrap' }, el('table', { class: 'small' },
        el('thead', {}, el('tr', {}, ['Order', 'Chip', 'Destination', 'End user', 'Units', 'Value', 'Before', 'After'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, changes.map((c) => el('tr', {},
          el('td', {}, c.order_id), el('td', {}, c.chip), el('td', {}, c.destination), el('td', {}, c.end_user),
          el('td', { class: 'num' }, fmt(c.units, 0)), el('td', { class: 'num' }, `${c.currency} ${money(c.value)}`), el('td', {}, c.before), el('td', {}, c.after))))))) : null,
    d.rule_set_hash_after ? el('p', { class: 'small muted' }, 'Rule set hash ', el('code', {}, d.rule_set_hash_after)) : null);
}

/** Horizontal bar chart (SVG): value newly needing a licence per chip, denial share darker. */
function bars(items) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, a = {}, ...kids) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(a)) n.setAttribute(k, v);
    for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return n;
  };
  const rowH = 24, labelW = 260, barW = 260, W = labelW + barW + 100;
  const H = items.length * rowH + 24;
  const max = Math.max(...items.map((x) => Math.max(x.v, x.d)));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, style: 'max-width:100%;height:auto', class: 'bars', id: 'impact-chart', role: 'img', 'aria-labelledby': 'impact-chart-title' },
    s('title', { id: 'impact-chart-title' }, `Value newly needing a licence by chip: ${items.map((x) => `${x.chip} ${x.cur} ${money(x.v)}`).join('; ')}`));
  items.forEach((x, i) => {
    const y = i * rowH + 4;
    const w = max > 0 ? (x.v / max) * barW : 0;
    const label = x.chip.length > 38 ? `${x.chip.slice(0, 37)}…` : x.chip;
    svg.append(
      s('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'lbl' }, s('title', {}, x.chip), label),
      s('rect', { class: 'bar', x: labelW, y: y + 2, width: Math.max(1, w), height: rowH - 6, 'data-chip': x.chip }),
      x.d > 0 ? s('rect', { class: 'bar denial', x: labelW, y: y + 2, width: Math.max(1, (x.d / max) * barW), height: rowH - 6 }) : s('g'),
      s('text', { x: labelW + w + 6, y: y + 14, class: 'lbl' }, `${x.cur} ${money(x.v)}`));
  });
  svg.append(s('line', { x1: labelW, x2: labelW, y1: 0, y2: H - 20, stroke: '#55616d' }));
  svg.append(s('text', { x: labelW, y: H - 4, class: 'lbl' }, 'Value, in each chip\'s currency; darker: newly under presumption of denial'));
  return el('div', { class: 'chart-box' }, svg);
}

// a job from earlier in this session is picked up again (jobs live while the service runs)
{
  let id = null;
  try { id = sessionStorage.getItem(JOB_KEY); } catch { /* ignore */ }
  if (id) api(`/jobs/${encodeURIComponent(id)}`, { auth: true }).then(startJob).catch(() => { try { sessionStorage.removeItem(JOB_KEY); } catch { /* ignore */ } });
}
