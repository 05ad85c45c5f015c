// Runs the browser benchmark (bench/index.html) in headless Chromium and prints its figures.
// Usage: node web-demo/bench/run.mjs [N]   (default 1000000 calls; after scripts/build-web)
// Not part of `node --test web-demo/tests/`: at 1M calls it takes about a minute or more.

import { launch, serve } from '../tests/harness.mjs';

const n = Number(process.argv[2] ?? 1_000_000);
const server = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const away = [];
  page.on('request', (r) => { if (!r.url().startsWith(server.origin)) away.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console: ${m.text()}`); });
  await page.goto(`${server.origin}/bench/index.html?n=${n}`);
  await page.waitForSelector('body[data-done]', { timeout: 20 * 60_000 });
  const result = await page.evaluate(() => window.benchResult);
  console.log(JSON.stringify(result, null, 2));
  if (away.length) throw new Error(`requests left the origin: ${away.join(', ')}`);
  if (result.error) process.exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
