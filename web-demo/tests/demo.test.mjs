// The trainers' page in headless Chromium: the sample's answer equals `engage sql`'s, the
// controls move the answer, a caller opens in depth, replay flags, files open in the page,
// and no request leaves the page's origin. Screenshots of each view go to docs/screenshots/.
// Run: node --test web-demo/tests/   (after scripts/build-web)

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launch, repo, serve, sqlRepeatCallers, sqlRows, webDemo } from './harness.mjs';

const shots = process.env.ENGAGE_SCREENSHOT_DIR ?? join(repo, 'docs', 'screenshots');
const TIMEOUT = 30_000;

let server;
let browser;
let page;
const requests = [];
const problems = [];

async function openPage() {
  const p = await browser.context.newPage();
  p.setDefaultTimeout(TIMEOUT);
  p.on('request', (r) => requests.push(r.url()));
  p.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // CSP violations are reported to the page as events: record them too.
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await p.goto(`${server.origin}/`);
  await p.waitForSelector('body[data-ready="true"]');
  return p;
}

/** The incident addresses `engage sql` flags in the sample under `rules`, keyed on address. */
function sqlRepeatAddresses(rules) {
  return sqlRows(`SELECT address_key FROM engage_repeat_callers('contacts', '${rules}', 'address_key')`)
    .map((r) => r.address_key)
    .sort();
}

async function tableKeys(p) {
  return (await p.$$eval('#callers-body tr[data-key]', (rows) => rows.map((r) => r.dataset.key))).sort();
}

/** Sets the rule text and waits for the page's answer under it. */
async function useRules(p, text) {
  await p.fill('#rule-text', text);
  await p.press('#rule-text', 'Enter');
  await p.waitForSelector(`body[data-rules="${text}"]`);
}

async function screenshot(p, name, selector) {
  mkdirSync(shots, { recursive: true });
  if (selector) await p.locator(selector).screenshot({ path: join(shots, name) });
  else await p.screenshot({ path: join(shots, name), fullPage: false });
}

/** An ACD export (docs/exports.md) with 12 calls in one day from a drama number, and others. */
function acdCsv() {
  const rows = ['call_id,line,cli,arrived,answered,ended,queue,outcome'];
  let id = 1;
  const pad = (n) => String(n).padStart(2, '0');
  const at = (d, h, m, s = 0) => `${pad(d)}/03/2025 ${pad(h)}:${pad(m)}:${pad(s)}`;
  const call = (line, cli, d, h, m, answered = true) => {
    rows.push([
      `A${String(id++).padStart(10, '0')}`, line, cli, at(d, h, m),
      answered ? at(d, h, m, 6) : '', at(d, h, m + 3), line === '999' ? 'EMERGENCY' : 'NON-EMERGENCY',
      answered ? 'Answered' : 'Abandoned',
    ].join(','));
  };
  // Interleaved in time: the planted caller every hour from 08:00 on 3 March (12 calls),
  // a caller with 9 calls (below 10), a withheld caller, and a third caller's two calls.
  for (let h = 0; h < 12; h += 1) {
    call(h % 3 ? '101' : '999', '+44 7700 900123', 3, 8 + h, 5);
    if (h < 9) call('101', '07700 900456', 3, 8 + h, 20);
    if (h < 4) call('999', 'Withheld', 3, 8 + h, 40, false);
    if (h < 2) call('101', '(01632) 960777', 3, 8 + h, 50);
  }
  rows.push(rows[3]); // an exact repeat, as overlapping exports have: a duplicate
  return `${rows.join('\r\n')}\r\n`;
}

before(async () => {
  for (const f of ['pkg/engage_wasm.js', 'pkg/engage_wasm_bg.wasm', 'data/index.json', 'vendor/uPlot.esm.js']) {
    if (!existsSync(join(webDemo, f))) throw new Error(`web-demo/${f} is missing: run scripts/build-web first`);
  }
  server = await serve();
  browser = await launch();
  page = await openPage();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe('the sample', () => {
  test('loads, and the flagged callers equal engage sql\'s repeat_callers (10/7d)', async (t) => {
    const expected = sqlRepeatCallers();
    assert.ok(expected.length > 0, 'engage sql finds repeat callers in the sample');
    assert.deepEqual(await tableKeys(page), expected);
    assert.equal(await page.textContent('[data-testid=flagged-count]'), String(expected.length));
    // Every row shows its suggested type with the evidence beside it.
    const evidence = await page.$$eval('#callers-body [data-testid=evidence]', (els) => els.map((e) => e.textContent));
    assert.equal(evidence.length, expected.length);
    for (const e of evidence) assert.match(e, /victimisation \d+.*vulnerability \d+/);
    const timing = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      ...window.engageTimings,
    }));
    t.diagnostic(`first contentful paint ${timing.fcp?.toFixed(0)} ms; sample analysed and shown at ${timing.ready?.toFixed(0)} ms (wasm ready ${timing.wasm?.toFixed(0)} ms, first analyse ${timing.firstAnalyse?.toFixed(1)} ms)`);
    assert.ok(timing.fcp < 2000, `first paint under 2 s (was ${timing.fcp} ms)`);
    await screenshot(page, 'callers.png');
  });

  test('the ambulance preset equals engage sql --rule 5/30d,12/90d', async () => {
    const expected = sqlRepeatCallers('5/30d,12/90d');
    await page.click('[data-testid=preset-ambulance]');
    await page.waitForSelector('body[data-rules="5/30d,12/90d"]');
    assert.deepEqual(await tableKeys(page), expected);
    assert.equal(await page.getAttribute('[data-testid=preset-ambulance]', 'aria-pressed'), 'true');
    assert.equal(await page.inputValue('#r2-count'), '12');
    await page.click('[data-testid=preset-kent]');
    await page.waitForSelector('body[data-rules="10/7d"]');
  });

  test('the address presets count by incident address and equal engage sql on address_key', async () => {
    for (const [preset, rules] of [['preset-address', '3/30d'], ['preset-communal', '15/30d']]) {
      const expected = sqlRepeatAddresses(rules);
      assert.ok(expected.length > 0, `engage sql flags addresses in the sample under ${rules}`);
      await page.click(`[data-testid=${preset}]`);
      await page.waitForSelector(`body[data-rules="${rules}"][data-key="address_key"]`);
      assert.deepEqual(await tableKeys(page), expected, preset);
      assert.equal(await page.textContent('[data-testid=flagged-count]'), String(expected.length));
      assert.match(await page.textContent('[data-testid=summary]'), new RegExp(`^${expected.length} address(es)? flagged under`));
      assert.equal(await page.textContent('[data-testid=key-heading]'), 'Address');
      assert.equal(await page.getAttribute(`[data-testid=${preset}]`, 'aria-pressed'), 'true');
      assert.ok(await page.isChecked('[data-testid=key-address]'));
      assert.ok(await page.isVisible('[data-testid=rule-note]'));
      assert.match(await page.textContent('[data-testid=rule-note]'), /Calls without an incident have no address and are left out/);
    }
    // The communal address in depth: every call about it.
    const [key] = await tableKeys(page);
    await page.click(`#callers-body tr[data-key="${key}"] td:nth-child(3)`);
    await page.waitForSelector('[data-testid=caller-detail]:not([hidden])');
    assert.equal(await page.textContent('[data-testid=detail-kind]'), 'Address');
    assert.equal(await page.textContent('[data-testid=detail-key]'), key);
    const row = await page.$$eval(`#callers-body tr[data-key="${key}"] td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(await page.getAttribute('[data-testid=caller-detail]', 'data-contacts'), row[2]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'addresses.png');
    // Replayed, the same address is flagged, in the feed under an Address heading.
    await page.click('[data-testid=tab-replay]');
    assert.equal(await page.textContent('[data-testid=feed-key-heading]'), 'Address');
    await page.selectOption('[data-testid=replay-speed]', '200');
    await page.click('[data-testid=replay-play]');
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-remaining]').textContent === '0');
    const flagged = await page.$$eval('[data-testid=replay-flag] button.key', (bs) => bs.map((b) => b.dataset.key));
    assert.deepEqual([...new Set(flagged)].sort(), await tableKeys(page));
    await page.click('[data-testid=replay-reset]');
    await page.click('[data-testid=tab-callers]');
    // Editing the rule keeps counting by address; the choice turns back to callers.
    await useRules(page, '4/30d');
    assert.equal(await page.getAttribute('body', 'data-key'), 'address_key');
    assert.deepEqual(await tableKeys(page), sqlRepeatAddresses('4/30d'));
    assert.equal(await page.getAttribute('[data-testid=preset-address]', 'aria-pressed'), 'false');
    await page.check('[data-testid=key-caller]');
    await page.waitForSelector('body[data-rules="4/30d"][data-key="caller_key"]');
    assert.deepEqual(await tableKeys(page), sqlRepeatCallers('4/30d'));
    assert.equal(await page.textContent('[data-testid=key-heading]'), 'Caller');
    assert.ok(!(await page.isVisible('[data-testid=rule-note]')));
    assert.ok(await page.isHidden('[data-testid=caller-detail]'), 'an address is not shown as a caller');
    await page.click('[data-testid=preset-kent]');
    await page.waitForSelector('body[data-rules="10/7d"][data-key="caller_key"]');
  });

  test('moving the threshold moves the answer: 3 flags more callers than 10', async () => {
    const at10 = (await tableKeys(page)).length;
    await page.fill('[data-testid=threshold]', '3');
    await page.waitForSelector('body[data-rules="3/7d"]');
    const at3 = await tableKeys(page);
    assert.ok(at3.length > at10, `${at3.length} callers at 3/7d, ${at10} at 10/7d`);
    assert.deepEqual(at3, sqlRepeatCallers('3/7d'));
    assert.equal(await page.inputValue('#rule-text'), '3/7d');
    // The window and a second rule move it too.
    await page.selectOption('[data-testid=unit]', 'h');
    await page.waitForSelector('body[data-rules="3/7h"]');
    await page.check('[data-testid=rule2-on]');
    await page.waitForSelector('body[data-rules="3/7h,12/90d"]');
    assert.deepEqual(await tableKeys(page), sqlRepeatCallers('3/7h,12/90d'));
    await page.click('[data-testid=preset-kent]');
    await page.waitForSelector('body[data-rules="10/7d"]');
    assert.equal(await page.isChecked('[data-testid=rule2-on]'), false);
  });

  test('a bad rule text shows the CLI\'s message and keeps the last answer', async () => {
    const before = await tableKeys(page);
    await page.fill('#rule-text', '10/7x');
    await page.press('#rule-text', 'Enter');
    await page.waitForSelector('[data-testid=rule-error]:has-text("unknown unit")');
    assert.equal(
      await page.textContent('[data-testid=rule-error]'),
      'invalid rule `10/7x`: unknown unit `x` in `7x`; expected h (hours), d (days) or w (weeks)',
    );
    assert.deepEqual(await tableKeys(page), before);
    await useRules(page, '10/7d');
    assert.equal(await page.textContent('[data-testid=rule-error]'), '');
  });

  test('a rule part the kernel cannot read shows its message as typed, never dropped', async () => {
    const before = await tableKeys(page);
    const rules = await page.getAttribute('body', 'data-rules');
    const analyses = await page.getAttribute('body', 'data-analyses');
    const controlsBefore = await page.$$eval('#r1-count, #r1-len, #r1-unit', (els) => els.map((e) => e.value));
    await page.fill('#rule-text', '10/7d,abc');
    // The kernel's parser reads the text as it is typed: no Enter, no analysis.
    await page.waitForSelector('[data-testid=rule-error]:has-text("in `abc`")');
    assert.equal(
      await page.textContent('[data-testid=rule-error]'),
      'invalid rule `10/7d,abc`: in `abc`: expected COUNT/WINDOW with a `/`, like `10/7d`',
    );
    assert.equal(await page.getAttribute('#rule-text', 'aria-invalid'), 'true');
    await page.press('#rule-text', 'Enter');
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 100)));
    // The message stays, and so do the last answer and the controls.
    assert.equal(
      await page.textContent('[data-testid=rule-error]'),
      'invalid rule `10/7d,abc`: in `abc`: expected COUNT/WINDOW with a `/`, like `10/7d`',
    );
    assert.equal(await page.getAttribute('body', 'data-rules'), rules);
    assert.equal(await page.getAttribute('body', 'data-analyses'), analyses);
    assert.deepEqual(await tableKeys(page), before);
    assert.deepEqual(await page.$$eval('#r1-count, #r1-len, #r1-unit', (els) => els.map((e) => e.value)), controlsBefore);
    await useRules(page, '10/7d');
    assert.equal(await page.textContent('[data-testid=rule-error]'), '');
    assert.equal(await page.getAttribute('#rule-text', 'aria-invalid'), null);
  });

  test('a good rule set round-trips through the kernel\'s parser to the controls and the answer', async () => {
    await page.fill('#rule-text', ' 3/2w , 12/90d ');
    // The controls show the kernel's reading: two weeks are 14 days.
    await page.waitForFunction(() => document.querySelector('#r1-len').value === '14');
    assert.deepEqual(
      await page.$$eval('#r1-count, #r1-len, #r1-unit, #r2-count, #r2-len, #r2-unit', (els) => els.map((e) => e.value)),
      ['3', '14', 'd', '12', '90', 'd'],
    );
    assert.equal(await page.isChecked('[data-testid=rule2-on]'), true);
    assert.equal(await page.textContent('[data-testid=rule-error]'), '');
    await page.press('#rule-text', 'Enter');
    await page.waitForSelector('body[data-rules="3/14d,12/90d"]');
    assert.match(await page.textContent('#summary'), /flagged under 3 calls within 14 days or 12 calls within 90 days \(3\/14d,12\/90d\)/);
    assert.deepEqual(await tableKeys(page), sqlRepeatCallers('3/14d,12/90d'));
    await page.click('[data-testid=preset-kent]');
    await page.waitForSelector('body[data-rules="10/7d"]');
  });

  test('the table sorts by a column heading', async () => {
    await page.click('#callers thead button[data-sort=total_contacts]');
    const totals = await page.$$eval('#callers-body tr[data-key] td:nth-child(4)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(totals, [...totals].sort((a, b) => a - b));
    assert.equal(await page.getAttribute('#callers thead th:nth-child(4)', 'aria-sort'), 'ascending');
    await page.click('#callers thead button[data-sort=total_contacts]');
    const down = await page.$$eval('#callers-body tr[data-key] td:nth-child(4)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(down, [...totals].sort((a, b) => b - a));
    await page.click('#callers thead button[data-sort=first_flagged_at]');
  });

  test('a caller in depth: timeline against the threshold, hour × weekday grid, categories', async () => {
    const key = (await tableKeys(page))[0];
    await page.click(`#callers-body tr[data-key="${key}"] td:nth-child(3)`);
    await page.waitForSelector('[data-testid=caller-detail]:not([hidden])');
    assert.equal(await page.textContent('[data-testid=detail-key]'), key);
    // The chart drew: a uPlot canvas, with the threshold in its legend.
    assert.ok(await page.$('#timeline canvas'));
    assert.match(await page.textContent('#timeline .u-legend'), /Threshold 10/);
    // 7 rows (Monday first) of 24 hours; the cells add up to the caller's calls.
    const grid = await page.$$eval('#heatmap tbody tr', (rows) => rows.map((r) => ({
      day: r.querySelector('th').textContent,
      cells: [...r.querySelectorAll('td')].map((td) => Number(td.dataset.count)),
    })));
    assert.equal(grid.length, 7);
    assert.equal(grid[0].day, 'Mon');
    for (const row of grid) assert.equal(row.cells.length, 24);
    const total = grid.flatMap((r) => r.cells).reduce((a, b) => a + b, 0);
    assert.equal(String(total), await page.getAttribute('[data-testid=caller-detail]', 'data-contacts'));
    const row = await page.$$eval(`#callers-body tr[data-key="${key}"] td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(Number(row[2]), total, 'the grid holds every call of the caller');
    assert.ok((await page.$$('#categories tbody tr')).length > 0);
    // Keyboard: the caller key is a button.
    await page.focus(`#callers-body tr[data-key="${key}"] button.key`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=caller-detail]:not([hidden])');
    await page.evaluate(() => document.querySelector('#detail').scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await screenshot(page, 'caller.png');
    // The detail follows the rule.
    await useRules(page, '5/7d');
    assert.match(await page.textContent('#timeline .u-legend'), /Threshold 5/);
    await useRules(page, '10/7d');
  });

  test('demand per day and callers flagged by threshold', async () => {
    await page.click('[data-testid=tab-demand]');
    await page.waitForSelector('#demand-chart canvas');
    await page.waitForSelector('#threshold-chart canvas');
    assert.match(await page.textContent('[data-testid=demand-summary]'), /from callers inside a repeat-caller episode/);
    assert.match(await page.textContent('#threshold-chart .u-legend'), /Callers flagged/);
    // Both charts in one picture: a taller window for this one.
    await page.setViewportSize({ width: 1200, height: 1120 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await screenshot(page, 'demand.png');
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  test('replay flags each caller the moment they cross the threshold', async () => {
    const episodes = await page.$$eval('#callers-body tr[data-key] td:nth-child(2)', (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
    const keys = await tableKeys(page);
    await page.click('[data-testid=tab-replay]');
    await page.click('[data-testid=replay-step]');
    assert.equal(await page.textContent('[data-testid=replay-done]'), '1');
    await page.selectOption('[data-testid=replay-speed]', '200');
    await page.click('[data-testid=replay-play]');
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-remaining]').textContent === '0');
    const flagged = await page.$$eval('[data-testid=replay-flag] button.key', (bs) => bs.map((b) => b.dataset.key));
    // Under one rule, the streaming detector opens exactly the batch episodes.
    assert.equal(flagged.length, episodes);
    assert.deepEqual([...new Set(flagged)].sort(), keys);
    assert.equal(await page.textContent('[data-testid=replay-flag-count]'), String(episodes));
    assert.ok(Number((await page.textContent('[data-testid=replay-remembered]')).replace(/,/g, '')) > 0);
    assert.ok((await page.$$('#replay-feed tr')).length > 0);
    await screenshot(page, 'replay.png');
    // A flag opens its caller.
    await page.click('[data-testid=replay-flag] button.key');
    await page.waitForSelector('[data-testid=caller-detail]:not([hidden])');
    assert.equal(await page.getAttribute('[data-testid=tab-callers]', 'aria-selected'), 'true');
    await page.click('[data-testid=tab-replay]');
    await page.click('[data-testid=replay-reset]');
    assert.equal(await page.textContent('[data-testid=replay-done]'), '0');
  });
});

describe('your own data', () => {
  test('an acd_calls.csv opened in the page: its repeat caller flagged, the ingest report shown', async () => {
    await page.click('[data-testid=tab-data]');
    await page.setInputFiles('[data-testid=file-input]', {
      name: 'acd_calls.csv', mimeType: 'text/csv', buffer: Buffer.from(acdCsv()),
    });
    await page.waitForSelector('[data-testid=ingest-report]:not([hidden])');
    await page.waitForSelector('[data-testid=found-caller]');
    const found = await page.$$eval('[data-testid=found-caller]', (li) => li.map((l) => l.textContent));
    assert.equal(found.length, 1);
    assert.match(found[0], /^\+447700900123: 12 calls/);
    const acd = await page.$$eval('#report-table tr[data-source=acd] td', (tds) => tds.map((td) => td.textContent));
    // file, read, published, merged, duplicates, rejected, ...
    assert.deepEqual(acd.slice(0, 6), ['acd_calls.csv', '28', '27', '0', '1', '0']);
    assert.deepEqual(await tableKeys(page), ['+447700900123']);
    assert.match(await page.textContent('[data-testid=data-source]'), /your files: acd_calls\.csv/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'your-data.png');
    // Under 5/1d the caller with 9 calls is flagged too.
    await useRules(page, '5/1d');
    assert.deepEqual(await tableKeys(page), ['+447700900123', '+447700900456']);
    await useRules(page, '10/7d');
  });

  test('a file the page cannot read says why and keeps the data shown', async () => {
    await page.setInputFiles('[data-testid=file-input]', {
      name: 'contacts.parquet', mimeType: 'application/octet-stream', buffer: Buffer.from('not parquet at all'),
    });
    await page.waitForSelector('[data-testid=data-error]:has-text("not a Parquet file")');
    assert.deepEqual(await tableKeys(page), ['+447700900123']);
  });

  test('a snapshot\'s Parquet file opened in the page gives the sample\'s answer', async () => {
    const index = JSON.parse(readFileSync(join(webDemo, 'data', 'index.json'), 'utf8'));
    await page.setInputFiles('[data-testid=file-input]', index.files.map((f) => join(webDemo, 'data', f)));
    await page.waitForSelector('[data-testid=ingest-report][hidden]', { state: 'attached' });
    await page.waitForFunction(() => /your files: part-/.test(document.querySelector('[data-testid=data-source]').textContent));
    assert.deepEqual(await tableKeys(page), sqlRepeatCallers());
    await page.click('[data-testid=back-to-sample]');
    await page.waitForFunction(() => /sample snapshot/.test(document.querySelector('[data-testid=data-source]').textContent));
    assert.deepEqual(await tableKeys(page), sqlRepeatCallers());
  });
});

describe('privacy and health', () => {
  test('every request the page made stayed on its own origin', async () => {
    // A fresh load too, so the count covers a whole visit.
    const p = await openPage();
    await p.close();
    assert.ok(requests.length >= 5, `requests recorded: ${requests.length}`);
    const away = requests.filter((u) => !u.startsWith(`${server.origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(away, []);
    assert.ok(server.served.includes('/pkg/engage_wasm_bg.wasm'));
  });

  test('no console errors, page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
