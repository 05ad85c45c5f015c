// The browser benchmark page at a tenth of its size, so it keeps working: the 1M-contact run
// itself is `node web-demo/bench/run.mjs` (figures in docs/web-demo.md).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { launch, serve } from './harness.mjs';

test('the benchmark page runs on 100,000 synthetic calls', async (t) => {
  const server = await serve();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const away = [];
    page.on('request', (r) => { if (!r.url().startsWith(`${server.origin}/`)) away.push(r.url()); });
    await page.goto(`${server.origin}/bench/index.html?n=100000&days=60`);
    await page.waitForSelector('body[data-done]', { timeout: 120_000 });
    const r = await page.evaluate(() => window.benchResult);
    assert.equal(r.error, undefined);
    assert.equal(r.contacts, 100_000);
    assert.equal(r.published, 100_000);
    assert.equal(r.rejected, 0);
    assert.ok(r.flagged_10_7d > 0, 'the planted bursts are flagged');
    // Every caller flagged in batch opens at least one episode in the replay.
    assert.ok(r.replay_flags >= r.flagged_10_7d);
    assert.deepEqual(away, []);
    t.diagnostic(`100k calls: addExports ${r.timings.add_exports_ms} ms, analyse ${r.timings.analyse_10_7d_ms} ms, replay ${r.timings.replay_all_ms} ms`);
  } finally {
    await browser.close();
    await server.close();
  }
});
