// One screening match, as the parties page and the check page show it: the
// score and status, the list and entry, why it matched, the licence
// requirement and policy, and the reviewer's decision that applies.
import { el, fmt } from './app.js';

export function partyMatch(m, full) {
  const e = m.explanation || {};
  return [
    el('div', {},
      el('strong', { class: 'mono score' }, Number(m.score).toFixed(3)), ' ',
      el('span', { class: `status status-${m.status}` }, m.status), ' ',
      el('abbr', { title: m.list_name || '' }, m.list), ' ',
      el('strong', {}, m.name), ' ',
      el('span', { class: 'muted small mono' }, m.entry_id)),
    el('div', { class: 'small explanation' }, e.summary || ''),
    full && (e.tokens || []).length ? el('div', { class: 'small muted' }, 'Words that met: ',
      e.tokens.map((t, i) => [i ? ', ' : '', `${t.query} ~ ${t.name} (${fmt(t.similarity, 2)})`])) : null,
    (m.countries || []).length ? el('div', { class: 'small' }, 'Countries: ', m.countries.join(', ')) : null,
    m.license_requirement ? el('div', { class: 'small' }, 'Licence requirement: ', m.license_requirement) : null,
    m.license_policy ? el('div', { class: 'small' }, 'Policy: ', m.license_policy) : null,
    m.fdp_footnote ? el('div', { class: 'small' }, `Foreign-direct-product footnote ${m.fdp_footnote}`) : null,
    full && m.federal_register ? el('div', { class: 'small muted' }, 'Federal Register: ', m.federal_register) : null,
    m.review ? el('div', { class: 'small review' },
      `${m.status === 'cleared' ? 'Cleared' : 'Confirmed'} by ${m.review.reviewer} on ${m.review.decided_on} (decision ${m.review.log_id}): ${m.review.reason}`) : null,
  ];
}
