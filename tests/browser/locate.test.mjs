// The locate page against a real `chipexport serve`: the example fleet
// registered, a pasted batch verified in SG with its map, the same batch
// again refused as a replay. Run from the repository root: node --test tests/browser/
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, launchBrowser, newPage, shot, ROOT, BIN, TOKEN } from './helpers.mjs';

const T = { timeout: 90_000 };
const EX = path.join(ROOT, 'data', 'locate', 'examples');

describe('chipexport locate page', () => {
  let server, browser;

  before(async () => {
    server = await startServer();
    execFileSync(BIN, ['locate', 'register', path.join(EX, 'fleet.toml'), '--data', server.dataDir], { cwd: ROOT, stdio: 'pipe' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('locate page: a chip in Singapore is verified in SG, with its map; a replay is refused', T, async () => {
    const page = await newPage(browser);
    await page.goto(`${server.base}/locate?token=${TOKEN}`);
    await page.waitForFunction(() => !location.search.includes('token'));
    assert.equal(await page.locator('nav.site-nav a[aria-current="page"]').getAttribute('data-nav'), 'locate');
    await page.fill('#batch', readFileSync(path.join(EX, 'sg-verified.jsonl'), 'utf8'));
    await page.fill('#at', '2026-11-29T10:05:00Z');
    await page.click('#verify-btn');
    await page.waitForSelector('.verdict, #locate-status .alert');
    assert.equal(await page.locator('#locate-status .alert').count(), 0, await page.locator('#locate-status').innerText());
    await page.waitForSelector('.verdict[data-outcome="verified_in"]');
    assert.match(await page.locator('.verdict .outcome').innerText(), /verified_in SG/);
    const src = await page.locator('img.locate-map').getAttribute('src');
    assert.match(decodeURIComponent(src), /<svg[^>]*>.*class="region"/s);
    assert.ok(await page.locator('img.locate-map').evaluate((img) => img.complete && img.naturalWidth > 0), 'the map renders');
    await shot(page, 'locate');
    await page.click('#verify-btn');
    await page.waitForSelector('.verdict[data-outcome="inconsistent"]');
    assert.match(await page.locator('.verdict').innerText(), /was already used/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
