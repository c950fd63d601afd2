// The locate page: post a batch of measurements (with the service token) and
// show each chip's verdict with its map (an SVG the server draws from
// bundled country outlines; no tile server).
import { apiRaw, el, clear, $, initPage, errorBox, getToken, setToken, fmt } from './app.js';

initPage();

const tokenInput = $('#token');
tokenInput.value = getToken();
tokenInput.addEventListener('change', () => setToken(tokenInput.value.trim()));
const status = $('#locate-status');

$('#locate-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setToken(tokenInput.value.trim());
  const body = { batch: $('#batch').value, name: 'pasted.jsonl', max_age_s: Number($('#max-age').value) || 3600 };
  const at = $('#at').value.trim();
  if (at) body.at = at;
  $('#verify-btn').disabled = true;
  clear(status, el('p', { class: 'loading' }, 'Verifying…'));
  try {
    const { data } = await apiRaw('/locate?map=true', {
      method: 'POST', body, auth: true,
    });
    clear(status);
    show(data);
  } catch (err) {
    clear(status, errorBox(err, 'Not verified: '));
  } finally {
    $('#verify-btn').disabled = false;
  }
});

function show(report) {
  $('#verdicts-section').hidden = false;
  const parts = report.verdicts.map((v, i) => {
    const where = v.country ? ` ${v.country}` : v.countries.length ? ` (${v.countries.slice(0, 12).join(', ')}${v.countries.length > 12 ? ', …' : ''})` : '';
    const far = v.placement && v.placement.greatest_distance_km != null ? `; up to ${fmt(v.placement.greatest_distance_km, 1)} km from the licensed site` : '';
    const svg = report.maps && report.maps[i];
    return el('article', { class: 'verdict', 'data-outcome': v.outcome },
      el('h3', {}, `${v.chip} (licence ${v.licence}, ${v.site.name}, ${v.site.country}): `, el('strong', { class: 'outcome' }, v.outcome + where)),
      el('p', { class: 'small muted' }, `decision ${v.logged}${far}`),
      el('ul', {}, ...v.explanation.map((line) => el('li', {}, line))),
      svg ? el('img', { class: 'locate-map', alt: `Map: landmark disks and the feasible region of ${v.chip}`, src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg) }) : null);
  });
  clear($('#verdicts'), ...parts);
}
