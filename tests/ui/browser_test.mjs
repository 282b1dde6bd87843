// The Streaming page in a real browser: Debian's chromium, driven headless by playwright-core,
// against network_wordcount reading from a line server this script runs on a loopback port.
// Checks the summary line, the four statistics rows with their charts, the batch tables filling
// up, a batch page reached by clicking a batch time, the receiver's error after its server
// dies, and that a phone-width screen needs no sideways scrolling. Screenshots go to OUT_DIR.
//
//   node browser_test.mjs NETWORK_WORDCOUNT_BINARY OUT_DIR
//
// Every wait has a deadline; the exit status is 0 only when every check passed.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [binary, outDir] = process.argv.slice(2);
if (!binary || !outDir) {
  console.error('usage: node browser_test.mjs NETWORK_WORDCOUNT_BINARY OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const kDeadlineMs = 30_000;

function check(condition, message) {
  if (!condition) throw new Error('check failed: ' + message);
  console.log('ok - ' + message);
}

// Polls `probe` (async, returns a value or null) until it gives a value, or fails at the deadline.
async function waitFor(what, probe, deadlineMs = kDeadlineMs) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// A line server: every 100 ms each client gets "hello browser".
function startLineServer() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const timer = setInterval(() => socket.write('hello browser\n'), 100);
    socket.on('close', () => { clearInterval(timer); sockets.delete(socket); });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    kill: () => { server.close(); for (const s of sockets) s.destroy(); },
  })));
}

const lines = await startLineServer();
const example = spawn(binary, ['127.0.0.1', String(lines.port), '--seconds', '120'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
example.stderr.on('data', (chunk) => { stderr += chunk; });
let browser;
let failed = false;
try {
  const url = await waitFor('the UI address on standard error', async () => {
    const m = stderr.match(/Streaming UI at (http:\/\/127\.0\.0\.1:\d+\/streaming\/)/);
    return m ? m[1] : null;
  });
  console.log('UI at ' + url);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
                                    args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(kDeadlineMs);

  // The tables fill up: wait for three completed batches, one of them with records. On a loaded
  // machine the receiver can start after the first batches, which then hold none.
  await waitFor('three completed batches, one with records', async () => {
    await page.goto(url);
    const rows = await page.locator('#completed-batches tbody tr').count();
    const counts = await page.locator('#completed-batches tbody tr td:nth-child(2)').allInnerTexts();
    return rows >= 3 && counts.some((r) => /^[1-9]\d* records$/.test(r)) ? rows : null;
  });
  const summary = await page.locator('#summary').innerText();
  check(/^Running batches of 1 second for .+ since \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \(\d+ completed batches, \d+ records\)$/.test(summary),
        'summary line: ' + summary);
  const header = await page.locator('#stat-table thead').innerText();
  check(/Timelines \(Last \d+ batches, \d+ active, \d+ completed\)/.test(header), 'statistics header: ' + header);
  for (const row of ['input-rate', 'scheduling-delay', 'processing-time', 'total-delay']) {
    const charts = await page.locator(`#${row} svg.chart`).count();
    check(charts === 2, `${row}: a timeline and a histogram`);
  }
  check(await page.locator('#processing-time line.marker').count() >= 1, 'batch-interval marker on processing time');
  check((await page.locator('#input-rate').innerText()).includes('Receivers: 1 / 1 active'), 'receivers active');
  const records = await page.locator('#completed-batches tbody tr td:nth-child(2)').allInnerTexts();
  check(records.some((r) => /^[1-9]\d* records$/.test(r)), 'batches with records: ' + records.slice(0, 3).join(', '));
  await page.screenshot({ path: path.join(outDir, 'streaming-page.png'), fullPage: true });

  // A batch page, by clicking a batch time.
  const link = page.locator('#completed-batches tbody tr a').first();
  const batchTime = await link.innerText();
  await link.click();
  await page.waitForURL(/\/streaming\/batch\?id=\d+$/);
  const title = await page.locator('h2').innerText();
  check(title === 'Details of batch at ' + batchTime, 'batch page title: ' + title);
  check(await page.locator('#output-operations tbody tr').count() >= 1, 'batch page lists output operations');
  check((await page.locator('#output-operations').innerText()).includes('Succeeded'), 'an output operation succeeded');
  await page.screenshot({ path: path.join(outDir, 'batch-page.png'), fullPage: true });

  // The receiver's server dies: its error shows on the page.
  lines.kill();
  const error = await waitFor('the receiver error on the page', async () => {
    await page.goto(url);
    const text = await page.locator('#stream-0 .receiver-error').innerText();
    return text !== '-' ? text : null;
  });
  check(/no more data|Error connecting|Error receiving/.test(error), 'receiver error shown: ' + error);
  check((await page.locator('#stream-0 .receiver-error-time').innerText()) !== '-', 'error time shown');
  await page.screenshot({ path: path.join(outDir, 'receiver-error.png'), fullPage: true });

  // A phone's width: readable without sideways scrolling of the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, 'no horizontal scrolling at 390 px (overflow ' + overflow + ' px)');
  await page.screenshot({ path: path.join(outDir, 'phone.png'), fullPage: true });
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
  console.error('example stderr:\n' + stderr.slice(-4000));
} finally {
  if (browser) await browser.close();
  lines.kill();
  example.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
