// The coordinator's packs (`engage pack`, docs/packs.md) in headless Chromium, on the sample
// snapshot: every section is there, the figures equal the SQL views', the page asks for
// nothing but itself, and it prints to an A4 PDF that pdftoppm renders, each CSU (and "Is it
// working?") starting a page. Full-page screenshots go to docs/screenshots/pack-*.png.
// Run: node --test web-demo/tests/packs.test.mjs   (after cargo build -p engage-cli)

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { engageBinary, launch, repo, sqlRows } from './harness.mjs';

const shots = process.env.ENGAGE_SCREENSHOT_DIR ?? join(repo, 'docs', 'screenshots');
const SAMPLE = 'datasets/sample/snapshot';
const MONTH = '2025-10';
// A Monday's meeting: new repeat callers since the Friday (the sample's latest contact is a
// Sunday night, with none new since the Friday before it).
const MORNING_AS_OF = '2025-10-27T08:00:00Z';
const TIMEOUT = 30_000;

// The sections as docs/packs.md lists them, in order.
const MORNING_SECTIONS = {
  new_repeat_caller: 'New repeat callers',
  called_again: 'Called again',
  marker_expiring: 'Markers expiring within 7 days',
  review_overdue: 'Reviews overdue',
};
const MONTHLY_SECTIONS = [
  'Caseload by CSU',
  'Demand from repeat callers',
  'No longer coming to notice',
  'Multi-agency overlap',
  'Trend: last 12 months',
  'Is it working?',
];
// What the packs call a CSU the data leaves NULL.
const NO_CSU = 'No CSU recorded';

let tmp;
let browser;
const problems = [];
// Every request of the browser's pages, and every one routed through the browser's network
// stack (anything but the pack file itself is aborted, and still recorded).
const requests = [];
const routed = [];

function engage(args) {
  return execFileSync(engageBinary(), args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The UTC instant of UK local midnight starting the month `m` (1-12; 13 is next January). */
function ukMonthStart(year, m) {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', hour: 'numeric', hourCycle: 'h23' });
  for (const offset of [0, 1]) {
    const t = new Date(Date.UTC(year, m - 1, 1, -offset));
    const part = (type) => fmt.formatToParts(t).find((p) => p.type === type).value;
    if (part('day') === '1' && Number(part('hour')) === 0) return t;
  }
  throw new Error(`no UK midnight found for ${year}-${m}`);
}

/** The last microsecond of the UK month `YYYY-MM`, as RFC 3339 (what the pack sets as engage.as_of). */
function monthEnd(month) {
  const [y, m] = month.split('-').map(Number);
  const iso = new Date(ukMonthStart(y, m + 1).getTime() - 1).toISOString();
  assert.match(iso, /\.999Z$/);
  return iso.replace(/\.999Z$/, '.999999Z');
}

/** A whole number as the packs print it (thousands separators). */
const count = (text) => Number(text.trim().replace(/,/g, ''));

/** Opens a pack as a coordinator does, from the file (file://); resolves to { page, url,
 * requests } with the requests made from its opening on. */
async function openPack(name) {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message}`));
  const url = pathToFileURL(join(tmp, name)).href;
  const from = requests.length;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  return { page, url, requests: requests.slice(from) };
}

/** Markup that would make a pack fetch something, or run something. */
function foreignReferences(html) {
  const found = [];
  for (const pattern of [/<script\b/i, /<link\b/i, /<img\b/i, /<iframe\b/i, /<object\b/i, /<embed\b/i,
    /\ssrc\s*=/i, /\shref\s*=/i, /\saction\s*=/i, /url\s*\(/i, /@import/i, /https?:\/\//i]) {
    const m = html.match(pattern);
    if (m) found.push(m[0]);
  }
  return found;
}

async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

/** Prints the page to an A4 PDF and renders it with pdftoppm at 50 dpi; resolves to the page
 * PNGs and each page's text (pdftotext). */
async function printAndRender(page, name) {
  const probe = spawnSync('pdftoppm', ['-v'], { encoding: 'utf8' });
  assert.ok(!probe.error, 'pdftoppm is missing: apt-get install poppler-utils');
  const pdf = join(tmp, `${name}.pdf`);
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
  const prefix = join(tmp, `${name}-page`);
  execFileSync('pdftoppm', ['-png', '-r', '50', pdf, prefix]);
  const pngs = readdirSync(tmp).filter((f) => f.startsWith(`${name}-page-`) && f.endsWith('.png')).sort();
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  const pages = text.split('\f').slice(0, pngs.length);
  return { pngs: pngs.map((f) => join(tmp, f)), pages };
}

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(file) {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Every rendered page is A4 at 50 dpi (8.27 × 11.69 in: 413 × 585 pixels, give or take one). */
function assertA4(pngs) {
  for (const file of pngs) {
    const { width, height } = pngSize(file);
    assert.ok(Math.abs(width - 413) <= 1 && Math.abs(height - 585) <= 1, `${file} is ${width}×${height}, not A4 at 50 dpi`);
  }
}

/** The first line of text on a PDF page. */
const firstLine = (page) => page.split('\n').map((l) => l.trim()).find(Boolean) ?? '';

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'engage-pack-test-'));
  engage(['pack', 'morning', '--data', SAMPLE, '--as-of', MORNING_AS_OF, '--out', join(tmp, 'morning.html')]);
  engage(['pack', 'monthly', '--data', SAMPLE, '--month', MONTH, '--bootstrap', '100', '--out', join(tmp, 'monthly.html')]);
  // About an A4 page's width, so the screenshots look like the printed pack.
  browser = await launch({ width: 820, height: 1160 });
  browser.context.on('request', (r) => requests.push(r.url()));
  await browser.context.route('**', (route) => {
    const url = route.request().url();
    routed.push(url);
    return url.startsWith('file://') ? route.continue() : route.abort();
  });
});

after(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the morning pack', () => {
  let page;
  let url;
  let requests;
  // morning_list on the sample, as of the pack's time.
  let listed;

  before(async () => {
    ({ page, url, requests } = await openPack('morning.html'));
    listed = sqlRows('SELECT section, caller_key, csu FROM morning_list', { asOf: MORNING_AS_OF });
  });

  test('is self-contained: its only request is the file itself', () => {
    assert.deepEqual(requests, [url]);
    assert.deepEqual(foreignReferences(readFileSync(join(tmp, 'morning.html'), 'utf8')), []);
  });

  test('has the summary, and every CSU page has the four sections in order', async () => {
    assert.equal(await page.textContent('h1'), 'Repeat callers: morning pack');
    assert.match(await page.textContent('header.pack'), /As of: Mon 27 Oct 2025 08:00 \(UK time\)/);
    assert.match(await page.textContent('header.pack'), /Rule: 10\/7d/);
    assert.match(await page.textContent('header.pack'), /Pseudonymised keys are shown as held in the snapshot\./);
    const summaryHeads = await page.$$eval('table.summary thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(summaryHeads, ['CSU', ...Object.values(MORNING_SECTIONS)]);
    const pages = await page.$$eval('section.csu', (ss) => ss.map((s) => [...s.querySelectorAll('h3')].map((h) => h.firstChild.textContent.trim())));
    assert.ok(pages.length > 0, 'at least one CSU page');
    for (const headings of pages) assert.deepEqual(headings, Object.values(MORNING_SECTIONS));
  });

  test('each caller of morning_list is shown under their CSU and section, and no one else', async () => {
    assert.ok(listed.length > 0, 'morning_list has rows on the sample');
    const expected = {};
    for (const row of listed) {
      const heading = MORNING_SECTIONS[row.section];
      assert.ok(heading, `unknown section ${row.section}`);
      const csu = row.csu ?? NO_CSU;
      expected[csu] ??= Object.fromEntries(Object.values(MORNING_SECTIONS).map((h) => [h, []]));
      expected[csu][heading].push(row.caller_key);
    }
    // The page: under each CSU's h2, the cards that follow each h3 belong to that section.
    const shown = await page.$$eval('section.csu', (ss) => ss.map((s) => {
      const sections = {};
      let current;
      for (const el of s.children) {
        if (el.tagName === 'H3') {
          current = el.firstChild.textContent.trim();
          sections[current] = { count: el.querySelector('.count').textContent, keys: [], none: false };
        } else if (el.classList.contains('card')) {
          sections[current].keys.push(el.querySelector('.card-head .key').textContent);
        } else if (el.classList.contains('none')) {
          sections[current].none = true;
        }
      }
      return { csu: s.querySelector('h2').textContent.replace(/^CSU: /, ''), sections };
    }));
    assert.deepEqual(shown.map((s) => s.csu).sort(), Object.keys(expected).sort());
    for (const { csu, sections } of shown) {
      for (const [heading, keys] of Object.entries(expected[csu])) {
        const got = sections[heading];
        assert.deepEqual([...got.keys].sort(), [...keys].sort(), `${csu}: ${heading}`);
        assert.equal(got.count, `(${keys.length})`, `${csu}: ${heading} count`);
        assert.equal(got.none, keys.length === 0, `${csu}: ${heading} says "none" exactly when empty`);
      }
    }
    // The summary table counts the same, with a total row when there is more than one CSU.
    const rows = await page.$$eval('table.summary tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const total = Object.keys(expected).length > 1 ? rows.pop() : rows[0];
    assert.equal(total[0], Object.keys(expected).length > 1 ? 'All' : Object.keys(expected)[0]);
    assert.deepEqual(total.slice(1).map(count), Object.keys(MORNING_SECTIONS).map((s) => listed.filter((r) => r.section === s).length));
    assert.deepEqual(
      rows.map((r) => [r[0], ...r.slice(1).map(count)]).sort(),
      Object.entries(expected).map(([csu, s]) => [csu, ...Object.values(s).map((k) => k.length)]).sort(),
    );
  });

  test('each card\'s case, contacts in the last 24 h and busiest hour equal the views\'', async () => {
    const rows = sqlRows('SELECT section, caller_key, case_id, contacts_24h FROM morning_list', { asOf: MORNING_AS_OF });
    assert.ok(rows.length > 0);
    // The busiest UK weekday-hour of each caller's contacts up to the as-of time (the heat map's darkest cell).
    const keys = [...new Set(rows.map((r) => r.caller_key))].map((k) => `'${k.replace(/'/g, "''")}'`).join(', ');
    const busiest = Object.fromEntries(sqlRows(
      `SELECT caller_key, max(n) AS busiest FROM (SELECT caller_key, uk_weekday(received_at) AS d, uk_hour(received_at) AS h, count(*) AS n `
      + `FROM contacts WHERE caller_key IN (${keys}) GROUP BY 1, 2, 3) GROUP BY caller_key`,
      { asOf: MORNING_AS_OF },
    ).map((r) => [r.caller_key, r.busiest]));
    const cards = await page.$$eval('section.csu .card', (cs) => cs.map((c) => ({
      key: c.querySelector('.card-head .key').textContent,
      head: c.querySelector('.card-head').textContent,
      calls24: c.querySelector('.calls24').textContent,
      heat: c.querySelector('figure.heat svg')?.textContent ?? null,
    })));
    assert.equal(cards.length, rows.length);
    for (const row of rows) {
      const card = cards.find((c) => c.key === row.caller_key);
      assert.ok(card, `a card for ${row.caller_key}`);
      assert.equal(card.calls24, `${row.contacts_24h} contact${row.contacts_24h === 1 ? '' : 's'} in the last 24 h`, row.caller_key);
      if (row.case_id) assert.match(card.head, new RegExp(`Case ${row.case_id}`), row.caller_key);
      if (card.heat !== null) {
        assert.ok(busiest[row.caller_key] > 0, `${row.caller_key} has contacts`);
        assert.match(card.heat, new RegExp(`darkest = ${busiest[row.caller_key]} contacts`), row.caller_key);
      }
    }
  });

  test('a full-page screenshot', async () => {
    await screenshot(page, 'pack-morning.png');
  });

  test('prints to A4: pdftoppm renders it, the summary and then each CSU on a page of its own', async (t) => {
    const csus = await page.$$eval('section.csu h2', (hs) => hs.map((h) => h.textContent));
    const { pngs, pages } = await printAndRender(page, 'morning');
    t.diagnostic(`${pngs.length} A4 pages for ${csus.length} CSUs`);
    assert.ok(pngs.length >= 1, 'pdftoppm rendered a page');
    assert.ok(pngs.length >= csus.length + 1, `${pngs.length} pages, ${csus.length} CSUs`);
    assertA4(pngs);
    assert.match(firstLine(pages[0]), /^Repeat callers: morning pack/);
    const starts = pages.map(firstLine);
    for (const csu of csus) assert.ok(starts.includes(csu), `a page starts with "${csu}" (first lines: ${JSON.stringify(starts)})`);
  });
});

describe(`the monthly pack (${MONTH})`, () => {
  let page;
  let url;
  let requests;
  const asOf = monthEnd(MONTH);
  const at = `SET engage.as_of = '${asOf}'`;
  const inMonth = (column) => `to_char(uk_date(${column}), '%Y-%m') = '${MONTH}'`;

  before(async () => {
    ({ page, url, requests } = await openPack('monthly.html'));
  });

  test('is self-contained: its only request is the file itself', () => {
    assert.deepEqual(requests, [url]);
    assert.deepEqual(foreignReferences(readFileSync(join(tmp, 'monthly.html'), 'utf8')), []);
  });

  test('has every section, in order', async () => {
    assert.equal(await page.textContent('h1'), 'Repeat callers: monthly pack');
    assert.match(await page.textContent('header.pack'), /Month: Oct 2025/);
    assert.deepEqual(await page.$$eval('h2', (hs) => hs.map((h) => h.textContent)), MONTHLY_SECTIONS);
  });

  test('caseload per CSU equals repeat_callers and caseload as of the month\'s end', async () => {
    assert.equal(asOf, '2025-10-31T23:59:59.999999Z');
    const expected = {};
    const row = (csu) => (expected[csu ?? NO_CSU] ??= [0, 0, 0, 0]);
    for (const r of sqlRows(`${at}; SELECT csu, count(*) AS n FROM repeat_callers WHERE ${inMonth('first_flagged_at')} GROUP BY csu`)) {
      row(r.csu)[0] = r.n;
    }
    const cases = sqlRows(`${at}; SELECT csu, count(*) FILTER (WHERE ${inMonth('referred_at')}) AS referred, `
      + `count(*) FILTER (WHERE ${inMonth('closed_at')}) AS closed, count(*) FILTER (WHERE stage <> 'closed') AS open `
      + 'FROM caseload GROUP BY csu');
    for (const r of cases) Object.assign(row(r.csu), { 1: r.referred, 2: r.closed, 3: r.open });
    const totals = [0, 1, 2, 3].map((i) => Object.values(expected).reduce((s, v) => s + v[i], 0));
    assert.ok(totals.some((n) => n > 0), `the sample has a caseload in ${MONTH}`);

    const rows = await page.$$eval('section.caseload tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const total = rows.pop();
    assert.equal(total[0], 'All CSUs');
    assert.deepEqual(total.slice(1).map(count), totals);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r[0], r.slice(1).map(count)])), expected);
  });

  test('demand from repeat callers equals the demand view\'s days of the month', async () => {
    const [d] = sqlRows(`SELECT sum(contacts) AS all_contacts, sum(from_repeat_callers) AS repeat_contacts FROM demand WHERE to_char(day, '%Y-%m') = '${MONTH}'`);
    assert.ok(d.all_contacts > 0 && d.repeat_contacts > 0, JSON.stringify(d));
    const cells = await page.$$eval('section.demand tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], 'Contacts');
    assert.equal(count(cells[1]), d.repeat_contacts);
    assert.equal(count(cells[2]), d.all_contacts);
    const share = Number(cells[3].replace('%', ''));
    assert.ok(Math.abs(share - (100 * d.repeat_contacts) / d.all_contacts) <= 0.05, `share ${cells[3]}`);
  });

  test('outcomes equal the outcomes view as of the month\'s end', async () => {
    const [o] = sqlRows(`${at}; SELECT count(*) FILTER (WHERE referred) AS referred, `
      + 'count(*) FILTER (WHERE referred AND no_longer_coming_to_notice) AS referred_quiet, '
      + 'count(*) FILTER (WHERE NOT referred) AS comparison, '
      + 'count(*) FILTER (WHERE NOT referred AND no_longer_coming_to_notice) AS comparison_quiet FROM outcomes');
    const rows = await page.$$eval('section.outcomes tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => [r[0], count(r[1]), count(r[2])]), [
      ['Referred', o.referred, o.referred_quiet],
      ['Comparison group', o.comparison, o.comparison_quiet],
    ]);
  });

  test('multi-agency overlap equals the multi_agency view\'s callers with contacts in the month', async () => {
    const expected = sqlRows(`SELECT caller_key, police, fire, ambulance, total FROM multi_agency `
      + `WHERE caller_key IN (SELECT caller_key FROM contacts WHERE ${inMonth('received_at')}) ORDER BY total DESC, caller_key LIMIT 50`)
      .map((r) => [r.caller_key, r.police, r.fire, r.ambulance, r.total]);
    assert.ok(expected.length > 0, `the sample has callers seen by several agencies in ${MONTH}`);
    const headings = await page.$$eval('section.multi-agency thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(headings, ['Key (pseudonymised)', 'Police', 'Fire', 'Ambulance', 'Total']);
    const rows = await page.$$eval('section.multi-agency tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => [r[0], ...r.slice(1).map(count)]).sort(), [...expected].sort());
  });

  test('a full-page screenshot', async () => {
    await screenshot(page, 'pack-monthly.png');
  });

  test('prints to A4: pdftoppm renders it, "Is it working?" starting a page', async (t) => {
    const { pngs, pages } = await printAndRender(page, 'monthly');
    t.diagnostic(`${pngs.length} A4 pages`);
    assert.ok(pngs.length >= 2, `${pngs.length} pages`);
    assertA4(pngs);
    assert.match(firstLine(pages[0]), /^Repeat callers: monthly pack/);
    assert.ok(pages.map(firstLine).includes('Is it working?'), 'a page starts with "Is it working?"');
  });
});

describe('both packs', () => {
  test('the browser asked for the two pack files and nothing else', () => {
    const files = ['morning.html', 'monthly.html'].map((f) => pathToFileURL(join(tmp, f)).href);
    assert.deepEqual(requests, files);
    assert.deepEqual(routed.filter((u) => !files.includes(u)), []);
  });

  test('no console errors or page errors', () => {
    assert.deepEqual(problems, []);
  });
});
