// Shared set-up for the browser tests: start `chipexport serve` on a free
// port with a fresh data directory, launch the system chromium through
// playwright-core, and collect console errors per page.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
export const BIN = path.resolve(ROOT, process.env.CHIPEXPORT_BIN || 'target/debug/chipexport');
export const TOKEN = 'test-token';

mkdirSync(ARTIFACTS, { recursive: true });

/** Starts the server; resolves with {base, proc, dataDir, stop()} once it prints its address. */
export function startServer() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chipexport-ui-'));
  const proc = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, CHIPEXPORT_TOKEN: TOKEN, CHIPEXPORT_TODAY: '2026-11-29' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start within 60 s:\n${log}`)); }, 60_000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stderr.off('data', onData);
        proc.stdout.resume();
        proc.stderr.resume();
        resolve({
          base: `http://127.0.0.1:${m[1]}`,
          proc,
          dataDir,
          stop: async () => {
            if (proc.exitCode === null) {
              const exited = new Promise((r) => proc.once('exit', r));
              proc.kill('SIGTERM');
              await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
              if (proc.exitCode === null) proc.kill('SIGKILL');
            }
            rmSync(dataDir, { recursive: true, force: true });
          },
        });
      }
    };
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before it was ready:\n${log}`)); });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page at 1366x768 that records console errors and uncaught exceptions. */
export async function newPage(browser, { context } = {}) {
  const ctx = context || await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure();
    if (f && !/ERR_ABORTED/.test(f.errorText)) page.errors.push(`requestfailed: ${r.url()} ${f.errorText}`);
  });
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fetches JSON from the API the way the UI does (for expectations computed from the same data). */
export async function apiGet(base, p) {
  const r = await fetch(`${base}/api/v1${p}`);
  if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Generates a synthetic ledger with the CLI. */
export function generateLedger(out, rows = 500) {
  execFileSync(BIN, ['ledger', 'generate', '--rows', String(rows), '--seed', '1', '--out', out], { cwd: ROOT, stdio: 'pipe' });
}

/** Number of CSV records (header excluded), quote-aware. */
export function csvRecords(text) {
  let n = 0, inQ = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQ = !inQ;
    else if (c === '\n' && !inQ) n++;
  }
  if (text.length && !text.endsWith('\n')) n++;
  return n - 1;
}
