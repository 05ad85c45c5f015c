// Browser benchmark of the WASM module: N synthetic ACD calls (default 1M) generated here as
// acd_calls.csv text, then addExports, analyse, caller and Replay timed separately.
// The numbers are made up in memory at run time and never stored: ordinary callers get
// mobile numbers from a bijection, repeat callers Ofcom drama numbers (07700 900xxx, 01632 960xxx).

import init, { Archive, Replay } from '../pkg/engage_wasm.js';

const out = document.querySelector('#out');
const params = new URLSearchParams(location.search);
const N = Number(params.get('n') ?? 1_000_000);
const DAYS = Number(params.get('days') ?? 365);
const SEED = Number(params.get('seed') ?? 1);

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n) => (n < 10 ? `0${n}` : String(n));
const START = Date.UTC(2024, 0, 1) / 1000; // naive UK local seconds (the CSV holds local times)

/** Last Sunday of March, as naive local seconds at 01:00 (the hour that doesn't exist). */
function springGap(year) {
  const d = new Date(Date.UTC(year, 2, 31));
  d.setUTCDate(31 - d.getUTCDay());
  return d.getTime() / 1000 + 3600;
}

/** Generates the ACD export: { csv, calls, bursts }. */
export function generate(n = N, days = DAYS, seed = SEED) {
  const rand = mulberry32(seed);
  const span = days * 86400;
  // Repeat callers: bursts of 10–30 calls within 1–6 days from drama numbers, ~4% of calls.
  const burstCalls = Math.floor(n * 0.04);
  const times = new Float64Array(n);
  const who = new Int32Array(n); // >= 0 ordinary id; <= -10 drama number -(10 + j); -1 withheld; -2 unavailable
  let i = 0;
  let bursts = 0;
  while (i < burstCalls) {
    const j = Math.floor(rand() * 2000);
    const size = 10 + Math.floor(rand() * 21);
    const length = 86400 * (1 + rand() * 5);
    const at = rand() * (span - length);
    for (let k = 0; k < size && i < burstCalls; k += 1) {
      times[i] = at + rand() * length;
      who[i] = -(10 + j);
      i += 1;
    }
    bursts += 1;
  }
  // Everyone else: a heavy tail (u^2 over 400k callers), 20% withheld or unavailable.
  for (; i < n; i += 1) {
    times[i] = rand() * span;
    const r = rand();
    who[i] = r < 0.15 ? -1 : r < 0.2 ? -2 : Math.floor(400_000 * rand() ** 2);
  }
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k += 1) order[k] = k;
  order.sort((a, b) => times[a] - times[b]);

  const gaps = [2024, 2025, 2026].map(springGap);
  const dayText = new Map();
  const fmt = (naive) => {
    let s = Math.floor(naive);
    for (const g of gaps) if (s >= g && s < g + 3600) s += 3600; // no calls in the missing hour
    const dayNo = Math.floor(s / 86400);
    let d = dayText.get(dayNo);
    if (!d) {
      const date = new Date(dayNo * 86400000);
      d = `${pad2(date.getUTCDate())}/${pad2(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}`;
      dayText.set(dayNo, d);
    }
    const t = s - dayNo * 86400;
    return `${d} ${pad2(Math.floor(t / 3600))}:${pad2(Math.floor(t / 60) % 60)}:${pad2(t % 60)}`;
  };
  const cli = (w) => {
    if (w === -1) return 'Withheld';
    if (w === -2) return '';
    if (w <= -10) {
      const j = -w - 10;
      return j < 1000 ? `07700 900${String(j).padStart(3, '0')}` : `(01632) 960${String(j - 1000).padStart(3, '0')}`;
    }
    // Ordinary: 074xx–076xx mobiles through a bijection of the caller id.
    const m = (w * 7_919_993 + 1_234_567) % 30_000_000;
    const digits = String(7_400_000_000 + m);
    return w % 2 ? `0${digits.slice(0, 4)} ${digits.slice(4)}` : `+44 ${digits.slice(0, 4)} ${digits.slice(4)}`;
  };
  const lines = new Array(n + 1);
  lines[0] = 'call_id,line,cli,arrived,answered,ended,queue,outcome';
  for (let k = 0; k < n; k += 1) {
    const x = order[k];
    const t = START + times[x];
    const emergency = rand() < 0.37;
    const abandoned = rand() < 0.1;
    lines[k + 1] = `A${String(k + 1).padStart(10, '0')},${emergency ? '999' : '101'},${cli(who[x])},${fmt(t)},${abandoned ? '' : fmt(t + 6)},${fmt(t + 180)},${emergency ? 'EMERGENCY' : 'NON-EMERGENCY'},${abandoned ? 'Abandoned' : 'Answered'}`;
  }
  return { csv: lines.join('\n'), calls: n, bursts };
}

function time(results, name, f) {
  const t0 = performance.now();
  const value = f();
  const ms = performance.now() - t0;
  results.timings[name] = Math.round(ms);
  return value;
}

async function run() {
  out.textContent = `Running with ${N.toLocaleString('en-GB')} calls…`;
  const results = { calls: N, days: DAYS, timings: {}, userAgent: navigator.userAgent };
  await new Promise((ok) => setTimeout(ok, 0));
  const t0 = performance.now();
  const wasm = await init();
  results.timings.wasm_init_ms = Math.round(performance.now() - t0);
  const { csv, bursts } = time(results, 'generate_csv_ms', () => generate());
  results.csv_bytes = csv.length;
  results.bursts = bursts;
  const archive = new Archive();
  // The bytes a dropped acd_calls.csv gives the page (File.arrayBuffer), made before the clock
  // starts as the file's would be.
  const bytes = new TextEncoder().encode(csv);
  const none = new Uint8Array(0);
  time(results, 'add_exports_ms', () => archive.addExports(bytes, none, none, none));
  results.contacts = archive.length;
  const report = archive.report;
  results.published = report.contacts;
  results.rejected = report.rejects;
  const kent = time(results, 'analyse_10_7d_ms', () => archive.analyse('10/7d'));
  time(results, 'analyse_10_7d_again_ms', () => archive.analyse('10/7d'));
  results.flagged_10_7d = kent.flagged.length;
  results.keyed_contacts = kent.keyed_contacts;
  results.analyse_json_bytes = JSON.stringify(kent).length;
  const amb = time(results, 'analyse_5_30d_12_90d_ms', () => archive.analyse('5/30d,12/90d'));
  results.flagged_5_30d_12_90d = amb.flagged.length;
  const top = kent.flagged.reduce((a, b) => (b.total_contacts > a.total_contacts ? b : a), kent.flagged[0]);
  if (top) time(results, 'caller_ms', () => archive.caller(top.caller_key, '10/7d'));
  const replay = time(results, 'replay_new_ms', () => new Replay(archive, '10/7d'));
  let flags = 0;
  time(results, 'replay_all_ms', () => {
    while (replay.remaining > 0) {
      const chunk = replay.step(50_000);
      for (const v of chunk) flags += v.opens_episode ? 1 : 0;
    }
  });
  results.replay_flags = flags;
  results.replay_remembered_at_end = replay.remembered;
  results.wasm_memory_bytes = wasm.memory.buffer.byteLength;
  replay.free();
  archive.free();
  window.benchResult = results;
  out.textContent = JSON.stringify(results, null, 2);
  document.body.dataset.done = 'true';
}

document.querySelector('#run').addEventListener('click', () => run().catch(fail));
function fail(e) {
  out.textContent = `failed: ${e.message}`;
  window.benchResult = { error: e.message };
  document.body.dataset.done = 'error';
}
run().catch(fail);
