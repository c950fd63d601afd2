// End-to-end tests of the web UI against a real `chipexport serve`.
// Run from the repository root: node --test tests/browser/
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startServer, launchBrowser, newPage, shot, apiGet, generateLedger, csvRecords, TOKEN,
} from './helpers.mjs';

const H20 = 'nvidia-h20-hgx-96gb';
const T = { timeout: 90_000 };

describe('chipexport web UI', () => {
  let server, browser, tmp;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'chipexport-ui-files-'));
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('first page: timing (Navigation Timing API), printed not asserted', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/`);
    await page.waitForSelector('html[data-chart-ready]');
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const drawn = performance.getEntriesByName('chipexport:chart-drawn')[0];
      return {
        ttfb: nav.responseStart,
        domContentLoaded: nav.domContentLoadedEventEnd,
        load: nav.loadEventEnd,
        chartDrawn: drawn ? drawn.startTime : null,
        transferKiB: performance.getEntriesByType('resource').reduce((s, r) => s + (r.transferSize || 0), nav.transferSize || 0) / 1024,
      };
    });
    const f = (v) => (v === null ? 'n/a' : `${v.toFixed(0)} ms`);
    console.log(`first page (/): TTFB ${f(t.ttfb)}, DOMContentLoaded ${f(t.domContentLoaded)}, load ${f(t.load)}, chart drawn (usable) ${f(t.chartDrawn)}, ${t.transferKiB.toFixed(0)} KiB transferred`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('chart page: every chip with figures is a point, regions drawn, legend, caption, table', T, async () => {
    const data = await apiGet(server.base, '/chart?to=CN&on=2025-05-01');
    const page = await newPage(browser);
    await page.goto(`${server.base}/?to=CN&on=2025-05-01`);
    await page.waitForSelector('html[data-chart-ready]');
    assert.equal(await page.locator('#chart a.pt').count(), data.chips.length);
    assert.ok(data.chips.length > 10, 'the catalog has chips with figures');
    assert.equal(await page.locator('#chart rect.cell').count(), data.cells.length);
    assert.ok(await page.locator('#chart .region-label').count() > 0, 'regions are labelled');
    assert.equal(await page.locator('#legend li').count() >= 3, true);
    assert.match(await page.locator('#assumptions').innerText(), /datacenter/i);
    // the table alternative lists the same chips
    assert.equal(await page.locator('#chip-table tbody tr').count(), data.chips.length);
    // slider stops are the breakpoints and the slider speaks dates
    const slider = page.locator('#date-slider');
    assert.equal(Number(await slider.getAttribute('max')), data.breakpoints.length - 1);
    assert.match(await slider.getAttribute('aria-valuetext'), /^\d{4}-\d{2}-\d{2}/);
    // tooltip on focus
    await page.locator(`#chart a.pt[data-chip="${H20}"]`).focus();
    await page.waitForSelector('#tooltip:not([hidden])');
    assert.match(await page.locator('#tooltip').innerText(), /H20/);
    // footer names the rule set hash
    await page.waitForFunction(() => document.querySelector('#rule-set [data-hash]'));
    assert.match(await page.locator('#rule-set').innerText(), /[0-9a-f]{64}/);
    await shot(page, 'chart');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('chart page: moving the slider from 2023-01-01 to 2025-05-01 recolours the H20', T, async () => {
    const data = await apiGet(server.base, '/chart?to=CN');
    const target = data.breakpoints.filter((b) => b <= '2025-05-01').pop();
    const page = await newPage(browser);
    await page.goto(`${server.base}/?to=CN`);
    await page.waitForSelector('html[data-chart-ready]');
    await page.fill('#on', '2023-01-01');
    await page.locator('#on').dispatchEvent('change');
    await page.waitForSelector('html[data-chart-on="2023-01-01"]');
    const point = page.locator(`#chart a.pt[data-chip="${H20}"]`);
    const before = await point.getAttribute('class');
    assert.match(before, /\bo-free\b/, `H20 to CN on 2023-01-01 needs no licence (${before})`);
    // keyboard on the slider, stop by stop, to the rules in force on 2025-05-01
    await page.locator('#date-slider').focus();
    for (let i = 0; i < data.breakpoints.length; i++) {
      if ((await page.locator('#date-slider').getAttribute('aria-valuetext')) === target) break;
      await page.keyboard.press('ArrowRight');
    }
    assert.equal(await page.locator('#date-slider').getAttribute('aria-valuetext'), target);
    await page.waitForSelector(`html[data-chart-on="${target}"]`);
    const afterCls = await point.getAttribute('class');
    assert.notEqual(afterCls, before);
    assert.match(afterCls, /\bo-review\b/, `H20 to CN after the April 2025 letters needs a licence (${afterCls})`);
    assert.match(page.url(), new RegExp(`on=${target}`));
    await shot(page, 'chart-2025');
    // a click on the point opens the chip page for that destination and date
    await point.click();
    await page.waitForURL(/\/chips\/nvidia-h20-hgx-96gb\?/);
    assert.match(page.url(), /to=CN/);
    assert.match(page.url(), new RegExp(`on=${target}`));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('chip page: metrics with derivation and sources, timeline, compare', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/chips/${H20}?to=CN&on=2025-05-01`);
    await page.waitForSelector('#metrics table');
    assert.match(await page.locator('#chip-title').innerText(), /H20/);
    assert.match(await page.locator('#metrics').innerText(), /TPP = .*2368/);
    assert.ok(await page.locator('#sources a[href^="http"]').count() > 0, 'sources are linked');
    await page.waitForSelector('ol.timeline li');
    assert.ok(await page.locator('ol.timeline > li').count() > 3);
    assert.equal(await page.locator('ol.timeline > li.current').count(), 1);
    assert.ok(await page.locator('.band > span').count() > 3);
    // compare with another chip: the API answers what `chipexport compare --format json` prints
    await page.fill('#cmp-chip', 'H100');
    await page.click('#cmp-add');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/compare'));
    await page.click('#cmp-run');
    const d = await (await answered).json();
    assert.ok(Array.isArray(d.chips), `compare answers {on, destination, rule_set, chips: [...]}; got keys ${Object.keys(d)}`);
    assert.equal(d.destination, 'CN');
    assert.equal(d.on, '2025-05-01');
    await page.waitForSelector('#compare-table tbody tr');
    assert.equal(await page.locator('#compare-table tbody tr').count(), d.chips.length);
    assert.ok(d.chips.length >= 2);
    assert.equal(await page.locator(`#compare-table tbody a[href^="/chips/${H20}?"]`).count(), 1, 'rows link to the catalog id');
    assert.match(await page.locator('#compare-table caption').innerText(), /To CN on 2025-05-01/);
    await shot(page, 'chip');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('chip page: compare renders the documented answer (chips[].chip), nothing else', T, async () => {
    // A fixed answer of the documented shape, so the page is held to it
    // whatever the server in front of it answers.
    const answer = {
      on: '2025-09-01', destination: 'CN', rule_set: { id: 'test', hash: 'abc' },
      chips: [
        { chip: H20, name: 'NVIDIA H20', domestic: false, exported_from: 'US', tpp: 2368, performance_density: 2.91,
          memory_bandwidth_gbps: 4000, interconnect_gbps: 900, license_required: true, eccn: '3A090.a',
          review_policy: 'presumption_of_denial', license_exceptions: [], conditions: [], measures: [], possible_measures: [],
          verdict: 'licence required' },
        { chip: 'huawei-ascend-910b-910b2-class-64gb', name: 'Huawei Ascend 910B', domestic: true, exported_from: 'CN', tpp: 5120,
          performance_density: null, memory_bandwidth_gbps: null, interconnect_gbps: null, license_required: false,
          eccn: null, review_policy: null, license_exceptions: [], conditions: [], measures: [], possible_measures: [],
          verdict: 'domestic supply' },
      ],
    };
    const page = await newPage(browser);
    await page.route('**/api/v1/compare', (route) => route.fulfill({ json: answer }));
    await page.goto(`${server.base}/chips/${H20}?to=CN&on=2025-09-01`);
    await page.waitForSelector('#metrics table');
    await page.click('#cmp-run');
    await page.waitForSelector('#compare-table tbody tr');
    const rows = page.locator('#compare-table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.equal(await rows.nth(0).locator(`a[href^="/chips/${H20}?to=CN"]`).innerText(), 'NVIDIA H20');
    assert.equal(await rows.nth(1).locator('a[href^="/chips/huawei-ascend-910b-910b2-class-64gb?"]').innerText(), 'Huawei Ascend 910B');
    assert.match(await rows.nth(0).innerText(), /presumption of denial/);
    assert.match(await rows.nth(1).innerText(), /yes/);
    assert.match(await page.locator('#compare-table caption').innerText(), /To CN on 2025-09-01/);
    await shot(page, 'chip-compare');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('every page: one layout (nav with its item current, main, footer filled)', T, async () => {
    const page = await newPage(browser);
    for (const [url, nav, title] of [
      ['/', 'chart', /^Chart · chipexport$/],
      [`/chips/${H20}`, 'chart', /H20.* · chipexport$/],
      ['/check', 'check', /^Check · chipexport$/],
      ['/parties', 'parties', /^Parties · chipexport$/],
      ['/rules', 'rules', /· chipexport$/],
      ['/ledger', 'ledger', /^Ledger · chipexport$/],
      ['/locate', 'locate', /^Locate · chipexport$/],
    ]) {
      await page.goto(`${server.base}${url}`);
      assert.equal(await page.locator('nav.site-nav').count(), 1, url);
      assert.equal(await page.locator('nav.site-nav a[aria-current="page"]').count(), 1, url);
      assert.equal(await page.locator('nav.site-nav a[aria-current="page"]').getAttribute('data-nav'), nav, url);
      assert.equal(await page.locator('main#main').count(), 1, url);
      await page.waitForFunction(() => !/loading/.test(document.querySelector('#rule-set').textContent), null, { timeout: 10_000 });
      await page.waitForFunction((re) => new RegExp(re).test(document.title), title.source);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('check page: H20 to CN on 2025-05-01 needs a licence, cites, and its URL reloads to the result', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/check`);
    await page.fill('#chip', 'H20');
    await page.selectOption('#to', 'CN');
    await page.fill('#on', '2025-05-01');
    await page.click('#check-submit');
    await page.waitForSelector('#verdict');
    const headline = await page.locator('#verdict .headline').innerText();
    assert.match(headline, /licence required/i);
    assert.doesNotMatch(headline, /no us licence/i);
    assert.ok(await page.locator('#result .citation a[href^="http"]').count() > 0, 'a citation is linked');
    assert.ok(await page.locator('.nearest li').count() > 0, 'nearest lines are listed');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/check');
    assert.equal(url.searchParams.get('chip'), 'H20');
    assert.equal(url.searchParams.get('to'), 'CN');
    assert.equal(url.searchParams.get('on'), '2025-05-01');
    await shot(page, 'check');
    await page.reload();
    await page.waitForSelector('#verdict');
    assert.equal(await page.locator('#verdict .headline').innerText(), headline);
    assert.equal(await page.inputValue('#chip'), 'H20');
    assert.deepEqual(page.errors, []);
    // an unknown chip shows the server's message, naming the field
    await page.fill('#chip', 'no-such-chip');
    await page.click('#check-submit');
    await page.waitForSelector('#result .alert');
    assert.match(await page.locator('#result .alert').innerText(), /no-such-chip/);
    await page.context().close();
  });

  test('check page: opening it logs nothing; "Record this decision" logs one entry', T, async () => {
    const before = (await apiGet(server.base, '/audit/verify')).entries;
    const page = await newPage(browser);
    await page.goto(`${server.base}/check?chip=H20&to=CN`);
    await page.waitForSelector('#verdict');
    assert.match(await page.locator('#verdict .headline').innerText(), /licence/i);
    await page.reload();
    await page.waitForSelector('#verdict');
    assert.equal((await apiGet(server.base, '/audit/verify')).entries, before, 'a GET never writes');
    await page.click('#record-decision');
    await page.waitForSelector('#decision-id');
    const id = Number(await page.locator('#decision-id').innerText());
    assert.equal((await apiGet(server.base, '/audit/verify')).entries, before + 1);
    const entry = await apiGet(server.base, `/audit/${id}`);
    assert.equal(entry.kind, 'check');
    assert.equal(entry.question.destination, 'CN');
    assert.ok(await page.locator('#record-decision').isDisabled(), 'recorded once');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('check page: a pasted spec is answered', T, async () => {
    const page = await newPage(browser);
    const spec = JSON.stringify({ name: 'Test part', datacenter: true, die_area_mm2: 800, throughput: { fp16: 400 } });
    await page.goto(`${server.base}/check?${new URLSearchParams({ spec, to: 'CN', on: '2025-05-01' })}`);
    await page.waitForSelector('#verdict');
    assert.match(await page.locator('#verdict').innerText(), /3A090/);
    assert.ok(await page.locator('#spec').isVisible());
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('rules page: packs by date, filter by jurisdiction, a pack in readable form', T, async () => {
    const data = await apiGet(server.base, '/rules');
    const page = await newPage(browser);
    await page.goto(`${server.base}/rules`);
    await page.waitForSelector('#pack-list li');
    assert.equal(await page.locator('#pack-list > li').count(), data.packs.length);
    await shot(page, 'rules');
    const cn = data.packs.filter((p) => p.meta.jurisdiction === 'CN').length;
    await page.selectOption('#f-jurisdiction', 'CN');
    assert.equal(await page.locator('#pack-list > li:not([hidden])').count(), cn);
    assert.match(page.url(), /jurisdiction=CN/);
    await page.goto(`${server.base}/rules/us-2025-04-09-h20-mi308-letters`);
    await page.waitForSelector('#rule-list li');
    assert.match(await page.locator('#rule-list').innerText(), /When:/);
    assert.ok(await page.locator('.citation a[href^="http"]').count() > 0);
    await shot(page, 'rules-pack');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('ledger page: upload, screen, download, impact chart', T, async () => {
    const csv = path.join(tmp, 'orders.csv');
    generateLedger(csv, 500);
    const page = await newPage(browser);
    await page.goto(`${server.base}/ledger?token=${TOKEN}`);
    // the token moves from the URL to sessionStorage
    await page.waitForFunction(() => !location.search.includes('token'));
    assert.equal(await page.inputValue('#token'), TOKEN);
    await page.setInputFiles('#file', csv);
    await page.click('#upload-btn');
    await page.waitForSelector('#job-state[data-state="done"]', { timeout: 60_000 });
    assert.match(await page.locator('#job-summary').innerText(), /500/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const saved = path.join(tmp, 'screened.csv');
    await download.saveAs(saved);
    const text = readFileSync(saved, 'utf8');
    assert.equal(csvRecords(text), 500, 'one output row per input row');
    assert.match(text.split('\n')[0], /eccn/);
    // impact, default dates 2025-04-01 -> 2025-05-01
    assert.equal(await page.inputValue('#before'), '2025-04-01');
    assert.equal(await page.inputValue('#after'), '2025-05-01');
    await page.click('#impact-btn');
    await page.waitForSelector('#impact-chart');
    assert.ok(await page.locator('#impact-chart rect.bar').count() > 0, 'bars for chips newly needing a licence');
    assert.match(await page.locator('#impact-totals').innerText(), /newly needing a licence/i);
    await shot(page, 'ledger');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('ledger page: upload without a token (or with a wrong one) fails visibly', T, async () => {
    const csv = path.join(tmp, 'small.csv');
    generateLedger(csv, 20);
    const page = await newPage(browser);
    await page.goto(`${server.base}/ledger`);
    assert.equal(await page.inputValue('#token'), '');
    await page.setInputFiles('#file', csv);
    await page.click('#upload-btn');
    await page.waitForSelector('#upload-status .alert');
    assert.match(await page.locator('#upload-status .alert').innerText(), /token/i);
    // a wrong token reaches the server, which refuses it
    await page.fill('#token', 'wrong-token');
    await page.click('#upload-btn');
    await page.waitForSelector('#upload-status .alert:has-text("HTTP 40")');
    const msg = await page.locator('#upload-status .alert').innerText();
    assert.match(msg, /refused/i);
    assert.match(msg, /HTTP 40[13]/);
    await shot(page, 'ledger-no-token');
    // the only console errors are the refused request itself
    assert.deepEqual(page.errors.filter((e) => !/status of 40[13]/.test(e)), []);
    await page.context().close();
  });

  test('parties page: a listed name shows its entries with scores and explanations; an ordinary name matches nothing', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/parties`);
    await page.fill('#name', 'Huawei Technologies Co Ltd');
    await page.fill('#country', 'cn');
    await page.fill('#on', '2026-08-05');
    await page.click('#screen-btn');
    await page.waitForSelector('#party-verdict');
    assert.match(await page.locator('#party-verdict .headline').innerText(), /listed/);
    assert.equal(await page.locator('#list-date').innerText(), '2026-07-31');
    assert.equal(await page.locator('#list-warning').count(), 0, 'five days after the list: no warning');
    const first = page.locator('#matches li').first();
    assert.match(await first.innerText(), /Huawei/);
    assert.match(await first.locator('.score').innerText(), /^(0|1)\.\d{3}$/);
    assert.ok((await first.locator('.explanation').innerText()).length > 10, 'an explanation');
    assert.ok(await page.locator('#matches li').count() >= 2);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('country'), 'CN');
    await shot(page, 'parties');
    // no date: today (2026-11-29) is months after the list, which is said
    await page.goto(`${server.base}/parties?name=${encodeURIComponent('Acme Widgets Inc')}`);
    await page.waitForSelector('#party-verdict');
    assert.match(await page.locator('#party-verdict .headline').innerText(), /clear/);
    assert.equal(await page.locator('#no-matches').count(), 1);
    assert.match(await page.locator('#list-warning').innerText(), /days older/);
    // a date before the list's is refused, naming the field
    await page.fill('#on', '2025-05-01');
    await page.click('#screen-btn');
    await page.waitForSelector('#screening .alert');
    assert.match(await page.locator('#screening .alert').innerText(), /after the question's date/);
    assert.equal(await page.getAttribute('#on', 'aria-invalid'), 'true');
    assert.deepEqual(page.errors.filter((e) => !/status of 422/.test(e)), []);
    await page.context().close();
  });

  test('check page: an Entity List buyer makes the H20 need a licence, and the party is shown with its matches', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/check`);
    await page.fill('#chip', 'H20');
    await page.selectOption('#to', 'CN');
    await page.fill('#on', '2026-08-05');
    await page.fill('#buyer', 'Huawei Technologies Co Ltd');
    await page.fill('#buyer_country', 'cn');
    await page.fill('#consignee', 'Acme Widgets Inc');
    await page.click('#check-submit');
    await page.waitForSelector('#parties');
    assert.match(await page.locator('#verdict .headline').innerText(), /licence required/i);
    const parties = page.locator('#parties li.party');
    assert.equal(await parties.count(), 2);
    assert.match(await parties.nth(0).innerText(), /buyer: Huawei Technologies Co Ltd \[CN\]/);
    assert.equal(await parties.nth(0).locator('.party-verdict').innerText(), 'listed');
    assert.match(await parties.nth(0).innerText(), /Presumption of denial/i);
    assert.equal(await parties.nth(1).locator('.party-verdict').innerText(), 'clear');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('buyer'), 'Huawei Technologies Co Ltd');
    assert.equal(url.searchParams.get('buyer_country'), 'CN');
    await shot(page, 'check-parties');
    await page.reload();
    await page.waitForSelector('#parties');
    assert.equal(await page.inputValue('#buyer'), 'Huawei Technologies Co Ltd');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
