// Shared by the page's tests and the benchmark: a static server for web-demo/, Debian's
// Chromium driven by playwright-core (no browser download), and `engage sql` on the sample.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webDemo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repo = resolve(webDemo, '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.parquet': 'application/vnd.apache.parquet',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 (a free port). Resolves to { origin, close, served }. */
export async function serve(root = webDemo) {
  const served = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    served.push(path);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--no-default-browser-check',
];

/** Debian's Chromium, headless, with a fresh profile. Resolves to { context, close }. */
export async function launch({ width = 1200, height = 800 } = {}) {
  const { chromium } = await import('playwright-core');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium chromium-driver`);
  const profile = mkdtempSync(join(tmpdir(), 'engage-web-test-'));
  // launchPersistentContext takes the fresh --user-data-dir (playwright refuses it in args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
    timezoneId: 'Europe/London',
    locale: 'en-GB',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The `engage` binary of this checkout (built with `cargo build -p engage-cli` if missing). */
export function engageBinary() {
  const bin = resolve(repo, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'engage');
  if (!existsSync(bin)) {
    execFileSync('cargo', ['build', '--locked', '-p', 'engage-cli'], { cwd: repo, stdio: 'inherit' });
  }
  return bin;
}

/** The caller keys `engage sql` finds in the sample's repeat_callers under `rules`. */
export function sqlRepeatCallers(rules) {
  const args = ['sql', '--data', 'datasets/sample/snapshot', '--format', 'json'];
  if (rules) args.push('--rule', rules);
  args.push('-c', 'SELECT caller_key FROM repeat_callers');
  const out = execFileSync(engageBinary(), args, { cwd: repo, encoding: 'utf8' });
  const text = out.trim();
  if (!text) return [];
  // One JSON object a line (or a JSON array, if the CLI ever prints one).
  const rows = text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return rows.map((r) => r.caller_key).sort();
}

/** The rows `engage sql` prints for `script` on the sample (JSON, one object a line; a NULL
 * column is left out of its row), under `rules` and seen as of `asOf` when given. */
export function sqlRows(script, { rules, asOf } = {}) {
  const args = ['sql', '--data', 'datasets/sample/snapshot', '--format', 'json'];
  if (rules) args.push('--rule', rules);
  if (asOf) args.push('--as-of', asOf);
  args.push('-c', script);
  const text = execFileSync(engageBinary(), args, { cwd: repo, encoding: 'utf8' }).trim();
  if (!text) return [];
  return text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
