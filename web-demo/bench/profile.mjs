// Profiles the browser benchmark (bench/index.html) in headless Chromium with the DevTools
// CPU profiler and prints the functions with the most self time: run it on a build that keeps
// the WASM name section (scripts/build-web --names), or WASM functions show as numbers.
// Usage: node web-demo/bench/profile.mjs [N] [TOP] [WITHIN]
//   N       calls (default 1000000)
//   TOP     functions listed (default 40)
//   WITHIN  only samples taken inside a function of this name (say addExports, the JS glue's
//           name for Archive::add_exports); by default the whole page (generating the CSV
//           in JS too). WASM functions are marked.

import { launch, serve } from '../tests/harness.mjs';

const n = Number(process.argv[2] ?? 1_000_000);
const top = Number(process.argv[3] ?? 40);
const within = process.argv[4];
const server = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  await page.goto(`${server.origin}/bench/index.html?n=${n}`);
  await page.waitForSelector('body[data-done]', { timeout: 20 * 60_000 });
  const { profile } = await cdp.send('Profiler.stop');
  const result = await page.evaluate(() => window.benchResult);
  console.log(JSON.stringify(result.timings));

  // Self time per function: each sample is charged to the node it was taken in.
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inside = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at).callFrame.functionName === within) return true;
    }
    return false;
  };
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    if (within && !inside(id)) return;
    const { functionName, url } = byId.get(id).callFrame;
    const wasm = url.startsWith('wasm://') || url.endsWith('.wasm');
    const name = `${wasm ? '[wasm] ' : ''}${functionName || '(anonymous)'}`;
    self.set(name, (self.get(name) ?? 0) + (deltas[i + 1] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) {
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
} finally {
  await browser.close();
  await server.close();
}
