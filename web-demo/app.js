// Engage trainers' demo: the page. The detection is the kernel's, compiled to WASM
// (pkg/, built by scripts/build-web); this file only moves data in and draws the answers.
// Nothing leaves the page: files are read here, and the only requests are for the page's own
// files (module, WASM, the sample snapshot).

import init, { Archive, Replay, parseRules } from './pkg/engage_wasm.js';
import * as charts from './charts.js';
import {
  TYPE_WORDS, count, day, esc, percent, plural, ruleWords, shortKey, when, whenExact,
} from './format.js';

const $ = (sel) => document.querySelector(sel);
const timings = { start: performance.now() };
window.engageTimings = timings;

const state = {
  sample: null, // the sample snapshot's Archive, kept to go back to
  archive: null, // the Archive being shown (the sample, or the user's files)
  source: null, // { kind: 'sample' | 'files', label }
  rules: '10/7d',
  key: 'caller_key', // the key column the rules count by: 'caller_key' or 'address_key'
  parsed: [], // the rules in use as the kernel read them (ParsedRule[]), set by analyse()
  analysis: null, // Archive.analyse's answer (Analysis)
  episodesByKey: new Map(), // the analysis' episode rows (EpisodeSummary[]) per key
  sort: { key: 'first_flagged_at', dir: 1 },
  selected: null,
  replay: null,
  replayDone: 0,
  replayFlags: 0,
  feed: [],
  playing: false,
  analyses: 0,
  dirty: new Set(), // views whose charts need drawing when shown
};

/** The page's words for what the rules count by: each caller, or each incident address. */
const KEYS = {
  caller_key: {
    one: 'caller',
    many: 'callers',
    aOne: 'a caller',
    title: 'Caller',
    titles: 'Callers',
    tab: 'Repeat callers',
    chartSeries: 'From repeat callers',
    legend: 'Flag a caller who makes',
    keyed: 'with a known caller; withheld and unavailable numbers count in demand only',
    inEpisodes: 'from callers inside a repeat-caller episode',
    replayNote: 'A caller is flagged the moment a call takes them over the threshold.',
    none: 'No caller reaches this rule. Try a lower threshold or a longer window.',
  },
  address_key: {
    one: 'address',
    many: 'addresses',
    aOne: 'an address',
    title: 'Address',
    titles: 'Addresses',
    tab: 'Repeat addresses',
    chartSeries: 'About repeat addresses',
    legend: 'Flag an address with',
    keyed: 'about a known incident address; calls without an incident have no address and count in demand only',
    inEpisodes: 'about addresses inside a repeat-address episode',
    replayNote: 'An address is flagged the moment a call about it takes it over the threshold.',
    none: 'No address reaches this rule. Try a lower threshold or a longer window.',
  },
};
const words = () => KEYS[state.key];

// ---------------------------------------------------------------------------------- status

function status(text, busy = false) {
  const el = $('#status');
  el.textContent = text;
  el.classList.toggle('busy', busy);
}

// ---------------------------------------------------------------------------------- loading

async function loadSample() {
  const [, index] = await Promise.all([
    init().then(() => { timings.wasm = performance.now() - timings.start; }),
    fetch('data/index.json').then((r) => {
      if (!r.ok) throw new Error(`data/index.json: ${r.status} ${r.statusText} (run scripts/build-web)`);
      return r.json();
    }),
  ]);
  const files = await Promise.all(index.files.map(async (f) => {
    const r = await fetch(`data/${f}`);
    if (!r.ok) throw new Error(`data/${f}: ${r.status} ${r.statusText}`);
    return new Uint8Array(await r.arrayBuffer());
  }));
  timings.fetched = performance.now() - timings.start;
  const t0 = performance.now();
  const archive = new Archive();
  for (const bytes of files) archive.addParquet(bytes);
  timings.addParquet = performance.now() - t0;
  state.sample = archive;
  state.sampleIndex = index;
  useArchive(archive, { kind: 'sample', label: `the sample snapshot ${index.snapshot_id} (${index.description})` });
  timings.ready = performance.now() - timings.start;
  document.body.dataset.ready = 'true';
}

/** Shows `archive` from now on (the sample or the user's files). */
function useArchive(archive, source) {
  if (state.archive && state.archive !== archive && state.archive !== state.sample) state.archive.free();
  state.archive = archive;
  state.source = source;
  state.selected = null;
  $('#detail').hidden = true;
  resetReplay();
  analyse();
}

// ---------------------------------------------------------------------------------- rules

const controls = {
  c1: $('#r1-count'), l1: $('#r1-len'), u1: $('#r1-unit'),
  on2: $('#r2-on'), rule2: $('#rule2'),
  c2: $('#r2-count'), l2: $('#r2-len'), u2: $('#r2-unit'),
  text: $('#rule-text'),
};

function textFromControls() {
  const one = `${controls.c1.value}/${controls.l1.value}${controls.u1.value}`;
  return controls.on2.checked ? `${one},${controls.c2.value}/${controls.l2.value}${controls.u2.value}` : one;
}

/** Shows the kernel's message for rule text it cannot read beside the rules ('' clears it). */
function showRuleError(message) {
  $('#rule-error').textContent = message;
  if (message) controls.text.setAttribute('aria-invalid', 'true');
  else controls.text.removeAttribute('aria-invalid');
}

/** Reads `text` with the kernel's parser and sets the controls to it (one or two rules);
 * false, with the kernel's message shown, if the kernel cannot read it. */
function controlsFromText(text) {
  let rules;
  try {
    ({ rules } = parseRules(text));
  } catch (e) {
    showRuleError(e.message);
    return false;
  }
  showRuleError('');
  if (rules.length > 2) return true; // the text holds more rules than the controls show
  const [a, b] = rules;
  controls.c1.value = a.min_contacts; controls.l1.value = a.window_length; controls.u1.value = a.window_unit;
  controls.on2.checked = Boolean(b);
  controls.rule2.disabled = !b;
  if (b) { controls.c2.value = b.min_contacts; controls.l2.value = b.window_length; controls.u2.value = b.window_unit; }
  return true;
}

let debounce = 0;
function schedule(text, delay = 180) {
  clearTimeout(debounce);
  debounce = setTimeout(() => setRules(text), delay);
}

/** Analyses under `text` counted by `key`; keeps the last answer if the text is wrong. */
function setRules(text, key = state.key) {
  if (text === state.rules && key === state.key && state.analysis && !$('#rule-error').textContent) return;
  const previous = { rules: state.rules, key: state.key };
  state.rules = text;
  state.key = key;
  if (!analyse()) {
    Object.assign(state, previous);
    showKey();
    return;
  }
  resetReplay();
}

/** The key column shown in the "Count by" choice and in the page's words. */
function showKey() {
  const w = words();
  for (const radio of document.querySelectorAll('input[name=key]')) radio.checked = radio.value === state.key;
  $('#rule1-legend').textContent = w.legend;
  $('#tab-callers').textContent = w.tab;
  $('#key-heading').textContent = w.title;
  $('#callers-caption').textContent = `${w.tab} found under the rule. Each ${w.one} has a second row with the evidence for the suggested type. Select a column heading to sort; select ${w.aOne} to see it in depth.`;
  $('#detail-kind').textContent = w.title;
  $('#feed-key-heading').textContent = w.title;
  $('#replay-note').textContent = `The calls are fed one at a time, in time order, to the same detector a control room would run live. ${w.replayNote}`;
  $('#demand-note').textContent = `All contacts each day (UK dates), and those ${w.inEpisodes}. The line is their share.`;
  $('#threshold-title').textContent = `${w.titles} flagged as the threshold moves`;
  $('#found-title').textContent = `${w.tab} in your data`;
  $('#rule-note').hidden = state.key !== 'address_key';
}

function onControlInput() {
  controls.rule2.disabled = !controls.on2.checked;
  const text = textFromControls();
  controls.text.value = text;
  schedule(text);
}

for (const el of [controls.c1, controls.l1, controls.u1, controls.on2, controls.c2, controls.l2, controls.u2]) {
  el.addEventListener('input', onControlInput);
  el.addEventListener('change', onControlInput);
}
controls.text.addEventListener('input', () => {
  const text = controls.text.value.trim();
  if (controlsFromText(text)) schedule(text, 400);
  else clearTimeout(debounce);
});
controls.text.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); schedule(controls.text.value.trim(), 0); }
});
$('#rules').addEventListener('submit', (e) => e.preventDefault());
for (const radio of document.querySelectorAll('input[name=key]')) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    clearTimeout(debounce);
    setRules(state.rules, radio.value);
  });
}
for (const button of document.querySelectorAll('.preset')) {
  button.addEventListener('click', () => {
    controls.text.value = button.dataset.rule;
    controlsFromText(button.dataset.rule);
    clearTimeout(debounce);
    setRules(button.dataset.rule, button.dataset.key);
    showPresets();
  });
}

function showPresets() {
  for (const button of document.querySelectorAll('.preset')) {
    const same = parseRules(button.dataset.rule).text === state.analysis?.rules;
    button.setAttribute('aria-pressed', String(same && button.dataset.key === state.key));
  }
}

// ---------------------------------------------------------------------------------- analysis

/** Runs the analysis under the current rules; false (and the error shown) if it failed. */
function analyse() {
  if (!state.archive) return false;
  const t0 = performance.now();
  let analysis;
  try {
    analysis = state.archive.analyse(state.rules, state.key);
  } catch (e) {
    showRuleError(e.message);
    return false;
  }
  const ms = performance.now() - t0;
  showRuleError('');
  if (state.analysis && state.analysis.key_column !== analysis.key_column) {
    // A caller key is not an address: the one shown in depth goes.
    state.selected = null;
    $('#detail').hidden = true;
  }
  state.analysis = analysis;
  state.parsed = parseRules(analysis.rules).rules;
  state.episodesByKey = new Map();
  for (const e of analysis.episodes) {
    const key = e[analysis.key_column];
    if (!state.episodesByKey.has(key)) state.episodesByKey.set(key, []);
    state.episodesByKey.get(key).push(e);
  }
  state.analyses += 1;
  timings.lastAnalyse = ms;
  timings.firstAnalyse ??= ms;
  showKey();
  showPresets();
  renderSummary(ms);
  renderTable();
  if (state.selected) renderDetail(state.selected);
  state.dirty.add('demand');
  if (!$('#view-demand').hidden) renderDemand();
  renderFound();
  document.body.dataset.rules = analysis.rules;
  document.body.dataset.key = analysis.key_column;
  document.body.dataset.analyses = String(state.analyses);
  return true;
}

function renderSummary(ms) {
  const a = state.analysis;
  const w = words();
  const rule = state.parsed.map(ruleWords).join(' or ');
  const by = state.key === 'address_key' ? ' about one incident address' : '';
  $('#summary').innerHTML = `<strong data-testid="flagged-count">${count(a.flagged.length)}</strong> ${a.flagged.length === 1 ? w.one : w.many} flagged under <strong>${esc(rule)}${by}</strong> (<code>${esc(a.rules)}</code>), from ${plural(a.contacts, 'contact')} (${count(a.keyed_contacts)} ${w.keyed}).`;
  status(`${state.source.kind === 'sample' ? 'Sample' : 'Your data'}: ${plural(a.contacts, 'contact')} · analysed in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`);
  $('#data-source').textContent = `Showing ${state.source.label}.`;
  $('#back-to-sample').hidden = state.source.kind === 'sample';
}

// ---------------------------------------------------------------------------------- table

/** A flagged row's key: its `caller_key` or `address_key`, the key column of the analysis. */
const keyOf = (c) => c[state.analysis.key_column];

/** A flagged key's episode rows (EpisodeSummary[]), in episode order. */
const episodesOf = (key) => state.episodesByKey.get(key) ?? [];

/** "ambulance, police" from the row's comma-separated agencies. */
const agencyList = (c) => (c.agencies ?? '').split(',').filter(Boolean).join(', ');

const SORTS = {
  key: (c) => keyOf(c),
  episodes: (c) => c.episodes,
  first_flagged_at: (c) => c.first_flagged_at,
  total_contacts: (c) => c.total_contacts,
  calls_999: (c) => c.calls_999 / Math.max(1, c.total_contacts),
  agencies: (c) => c.agencies ?? '',
  night_share: (c) => c.night_share,
  csu: (c) => c.csu ?? '',
  suggested_type: (c) => c.suggested_type,
};

function sorted(callers) {
  const { key, dir } = state.sort;
  const f = SORTS[key];
  return [...callers].sort((a, b) => {
    const x = f(a);
    const y = f(b);
    const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return dir * c || a.first_flagged_at - b.first_flagged_at || keyOf(a).localeCompare(keyOf(b));
  });
}

function mixCell(c) {
  const total = Math.max(1, c.calls_999 + c.calls_101 + c.calls_other);
  const bar = `<span class="bar" aria-hidden="true"><i class="b999" data-w="${c.calls_999 / total}"></i><i class="b101" data-w="${c.calls_101 / total}"></i><i class="bother" data-w="${c.calls_other / total}"></i></span>`;
  return `<td class="mix" title="999: ${c.calls_999}, 101: ${c.calls_101}, other lines: ${c.calls_other}">${bar}${c.calls_999} / ${c.calls_101} / ${c.calls_other}</td>`;
}

function renderTable() {
  const body = $('#callers-body');
  const flagged = sorted(state.analysis.flagged);
  const w = words();
  if (flagged.length === 0) {
    body.innerHTML = `<tr class="empty"><td colspan="9">${esc(w.none)}</td></tr>`;
    return;
  }
  body.innerHTML = flagged.map((c) => {
    const key = keyOf(c);
    const eps = episodesOf(key).map((e) => `episode ${e.episode_no}: ${when(e.episode_start)} to ${when(e.episode_end)}, ${plural(e.contacts, 'call')}, peak ${e.peak_counts.join(' / ')}`).join('\n');
    const selected = key === state.selected;
    return `<tr data-testid="caller-row" data-key="${esc(key)}" data-selected="${selected}">
      <th scope="row" rowspan="2"><button type="button" class="key" data-testid="caller-key" title="${esc(key)}" aria-label="Show ${w.one} ${esc(key)} in depth">${esc(shortKey(key))}</button></th>
      <td class="num" title="${esc(eps)}">${c.episodes}</td>
      <td class="when">${esc(when(c.first_flagged_at))}</td>
      <td class="num">${c.total_contacts}</td>
      ${mixCell(c)}
      <td>${esc(agencyList(c))}</td>
      <td class="num">${percent(c.night_share)}</td>
      <td>${esc(c.csu ?? '–')}</td>
      <td><span class="badge ${esc(c.suggested_type)}" data-testid="suggested-type">${esc(TYPE_WORDS[c.suggested_type] ?? c.suggested_type)}</span></td>
    </tr>
    <tr class="evidence-row" data-evidence-for="${esc(key)}" data-selected="${selected}">
      <td colspan="8"><span class="visually-hidden">Evidence for the suggestion: </span><span class="evidence" data-testid="evidence">${esc(c.triage_evidence)}</span></td>
    </tr>`;
  }).join('');
  for (const i of body.querySelectorAll('.bar i')) i.style.width = `${(Number(i.dataset.w) * 100).toFixed(1)}%`;
}

$('#callers-body').addEventListener('click', (e) => {
  const row = e.target.closest('tr[data-key], tr[data-evidence-for]');
  if (row) selectCaller(row.dataset.key ?? row.dataset.evidenceFor);
});

for (const button of document.querySelectorAll('#callers thead button')) {
  button.addEventListener('click', () => {
    const key = button.dataset.sort;
    state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
    for (const th of document.querySelectorAll('#callers thead th')) {
      const k = th.querySelector('button').dataset.sort;
      th.setAttribute('aria-sort', k === key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    renderTable();
  });
}

// ---------------------------------------------------------------------------------- one caller

function selectCaller(key) {
  state.selected = key;
  for (const row of document.querySelectorAll('#callers-body tr')) {
    row.dataset.selected = String((row.dataset.key ?? row.dataset.evidenceFor) === key);
  }
  showTab('callers');
  renderDetail(key);
  $('#detail').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function renderDetail(key) {
  let detail;
  try {
    detail = state.archive.caller(key, state.rules, state.key);
  } catch (e) {
    $('#detail').hidden = true;
    state.selected = null;
    return;
  }
  const section = $('#detail');
  section.hidden = false;
  $('#detail-key').textContent = key;
  const flagged = state.analysis.flagged.find((c) => keyOf(c) === key);
  const first = detail.contacts[0]?.t;
  const last = detail.contacts[detail.contacts.length - 1]?.t;
  const episodes = flagged ? episodesOf(key).map((e) => `episode ${e.episode_no} from ${when(e.episode_start)} to ${when(e.episode_end)} (${plural(e.contacts, 'call')}, first flagged ${when(e.first_flagged_at)})`).join('; ') : '';
  $('#detail-summary').innerHTML = `${plural(detail.contacts.length, 'call')} from ${esc(when(first))} to ${esc(when(last))}. ${
    flagged ? `<strong>Flagged</strong>: ${esc(episodes)}.` : 'Not flagged under this rule.'}`;
  section.dataset.contacts = String(detail.contacts.length);
  charts.timeline($('#timeline'), detail, state.parsed);
  charts.heatmap($('#heatmap'), detail.by_hour_weekday);
  const max = Math.max(1, ...detail.categories.map(([, n]) => n));
  const cats = $('#categories tbody');
  cats.innerHTML = detail.categories.length
    ? detail.categories.map(([name, n]) => `<tr><td>${esc(name)}</td><td class="num"><span class="bar" data-w="${n / max}"></span>${n}</td></tr>`).join('')
    : '<tr><td colspan="2">No categories recorded (calls without an incident).</td></tr>';
  for (const bar of cats.querySelectorAll('.bar')) bar.style.width = `${Math.round(Number(bar.dataset.w) * 80)}px`;
  $('#calls-count').textContent = String(detail.contacts.length);
  $('#calls tbody').innerHTML = detail.contacts.map((c) => `<tr${c.qualifies ? ' class="qualifies"' : ''}>
    <td>${esc(whenExact(c.t))}</td><td>${esc(c.line)}</td><td>${esc(c.agency)}</td><td>${esc(c.category ?? '–')}</td>
    <td class="num">${c.rolling_counts.join(' / ')}</td><td>${c.qualifies ? 'yes' : ''}</td><td class="num">${c.episode ?? ''}</td></tr>`).join('');
}

// ---------------------------------------------------------------------------------- demand

function renderDemand() {
  const a = state.analysis;
  if (!a) return;
  state.dirty.delete('demand');
  const total = a.demand.reduce((s, d) => s + d.contacts, 0);
  const repeat = a.demand.reduce((s, d) => s + d.in_episodes, 0);
  const days = a.demand.length;
  $('#demand-summary').innerHTML = days
    ? `${plural(total, 'contact')} over ${plural(days, 'day')} (${esc(day(a.demand[0].day))} to ${esc(day(a.demand[days - 1].day))}); <strong>${count(repeat)}</strong> (${(100 * repeat / Math.max(1, total)).toFixed(1)}%) ${esc(words().inEpisodes)}.`
    : 'No contacts.';
  const w = words();
  charts.demand($('#demand-chart'), a.demand, w.chartSeries);
  const first = state.parsed[0];
  $('#threshold-note').textContent = `How many ${w.many} would be flagged at each threshold from 2 to 20, with the window of the first rule (${first ? `${first.window_length}${first.window_unit}` : ''}). The red point is the threshold in use.`;
  charts.thresholds($('#threshold-chart'), a.flagged_by_threshold, first?.min_contacts, `${w.titles} flagged`);
}

// ---------------------------------------------------------------------------------- replay

function resetReplay() {
  stopReplay();
  state.replay?.free();
  state.replay = null;
  state.replayDone = 0;
  state.replayFlags = 0;
  state.feed = [];
  $('#replay-flags').replaceChildren();
  $('#replay-feed').replaceChildren();
  $('#replay-clock').textContent = '–';
  $('#replay-done').textContent = '0';
  $('#replay-flag-count').textContent = '0';
  $('#replay-remembered').textContent = '0';
  $('#replay-remaining').textContent = state.archive ? count(state.analysis?.keyed_contacts ?? 0) : '0';
}

function ensureReplay() {
  if (!state.replay) state.replay = new Replay(state.archive, state.rules, state.key);
  return state.replay;
}

function replayStep(n) {
  const replay = ensureReplay();
  const verdicts = replay.step(n);
  const thresholds = state.parsed;
  const flags = $('#replay-flags');
  for (const v of verdicts) {
    state.replayDone += 1;
    if (v.opens_episode) {
      state.replayFlags += 1;
      const li = document.createElement('li');
      li.dataset.testid = 'replay-flag';
      li.setAttribute('data-testid', 'replay-flag');
      const which = thresholds.map((r, i) => `${v.rolling_counts[i]} calls in ${r.window_length}${r.window_unit} (threshold ${r.min_contacts})`).join('; ');
      li.innerHTML = `<strong>${esc(whenExact(v.t))}</strong><br><button type="button" class="key" data-key="${esc(v.key)}" title="Show ${esc(v.key)} in depth">${esc(shortKey(v.key))}</button> flagged: ${esc(which)}`;
      flags.prepend(li);
    }
  }
  state.feed = [...verdicts.slice(-30).reverse(), ...state.feed].slice(0, 30);
  $('#replay-feed').innerHTML = state.feed.map((v) => `<tr${v.opens_episode ? ' class="opens"' : ''}><td>${esc(whenExact(v.t))}</td><td title="${esc(v.key)}">${esc(shortKey(v.key))}</td><td class="num">${v.rolling_counts.join(' / ')}</td><td>${v.opens_episode ? 'FLAGGED' : v.qualifies ? 'yes' : ''}</td></tr>`).join('');
  const lastT = verdicts.length ? verdicts[verdicts.length - 1].t : null;
  if (lastT != null) $('#replay-clock').textContent = whenExact(lastT);
  $('#replay-done').textContent = count(state.replayDone);
  $('#replay-remaining').textContent = count(replay.remaining);
  $('#replay-remembered').textContent = count(replay.remembered);
  $('#replay-flag-count').textContent = count(state.replayFlags);
  if (replay.remaining === 0) stopReplay();
}

function frame() {
  if (!state.playing) return;
  try {
    replayStep(Number($('#replay-speed').value));
  } catch (e) {
    stopReplay();
    status(`Replay stopped: ${e.message}`);
    return;
  }
  if (state.playing) requestAnimationFrame(frame);
}

function stopReplay() {
  state.playing = false;
  $('#replay-play').textContent = state.replay && state.replay.remaining === 0 ? 'Finished' : 'Play';
  $('#replay-play').setAttribute('aria-pressed', 'false');
}

$('#replay-play').addEventListener('click', () => {
  if (state.playing) { stopReplay(); return; }
  if (state.replay && state.replay.remaining === 0) resetReplay();
  state.playing = true;
  $('#replay-play').textContent = 'Pause';
  $('#replay-play').setAttribute('aria-pressed', 'true');
  requestAnimationFrame(frame);
});
$('#replay-step').addEventListener('click', () => { stopReplay(); replayStep(1); });
$('#replay-reset').addEventListener('click', resetReplay);
$('#replay-flags').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-key]');
  if (button) selectCaller(button.dataset.key);
});

// ---------------------------------------------------------------------------------- your data

const EXPORTS = [
  ['acd', /acd/i, 'acd_calls.csv'],
  ['recordings', /record/i, 'recordings.csv'],
  ['incidents', /incident/i, 'incident_calls.csv'],
  ['partners', /partner/i, 'partner_contacts.csv'],
];

async function openFiles(fileList) {
  const files = [...fileList];
  const error = $('#data-error');
  error.textContent = '';
  if (files.length === 0) return;
  showTab('data');
  const parquet = files.filter((f) => /\.parquet$/i.test(f.name));
  const csv = files.filter((f) => /\.csv$/i.test(f.name));
  const other = files.filter((f) => !parquet.includes(f) && !csv.includes(f));
  if (other.length) { error.textContent = `Not a .parquet or .csv file: ${other.map((f) => f.name).join(', ')}.`; return; }
  if (parquet.length && csv.length) { error.textContent = 'Open either a snapshot\'s Parquet files or CSV exports, not both at once.'; return; }
  status(`Reading ${plural(files.length, 'file')}…`, true);
  const archive = new Archive();
  try {
    const t0 = performance.now();
    let report = null;
    if (parquet.length) {
      for (const f of parquet) {
        try {
          archive.addParquet(new Uint8Array(await f.arrayBuffer()));
        } catch (e) {
          throw new Error(`${f.name}: ${e.message}`);
        }
      }
    } else {
      const none = new Uint8Array(0);
      const bytes = { acd: none, recordings: none, incidents: none, partners: none };
      for (const f of csv) {
        const match = EXPORTS.find(([, re]) => re.test(f.name));
        if (!match) throw new Error(`Which export is ${f.name}? Name the files ${EXPORTS.map((x) => x[2]).join(', ')}.`);
        // The file's bytes, as `engage publish` reads them (not decoded to text and back).
        bytes[match[0]] = new Uint8Array(await f.arrayBuffer());
      }
      archive.addExports(bytes.acd, bytes.recordings, bytes.incidents, bytes.partners);
      report = archive.report;
    }
    timings.lastOpen = performance.now() - t0;
    useArchive(archive, { kind: 'files', label: `your files: ${files.map((f) => f.name).join(', ')}` });
    renderReport(report);
  } catch (e) {
    archive.free();
    error.textContent = e.message;
    status('Could not read the files: the previous data is still shown.');
  }
}

function renderReport(report) {
  const section = $('#report');
  section.hidden = !report;
  if (!report) return;
  const cell = (n) => `<td class="num">${count(n)}</td>`;
  section.querySelector('tbody').innerHTML = Object.entries(report.sources).map(([name, s]) => `<tr data-source="${esc(name)}">
    <th scope="row">${esc(name)}</th><td>${esc(s.file)}</td>${cell(s.read)}${cell(s.published)}${cell(s.merged)}${cell(s.duplicates)}${cell(s.rejected)}${cell(s.unmatched)}${cell(s.not_a_contact)}${cell(s.ambiguous_times)}</tr>`).join('');
  $('#report-total').innerHTML = `<strong>${plural(report.contacts, 'contact')}</strong> published; ${plural(report.rejects, 'row')} rejected.`;
}

function renderFound() {
  const section = $('#found');
  const files = state.source?.kind === 'files';
  section.hidden = !files;
  if (!files) return;
  const flagged = state.analysis.flagged;
  $('#found-list').innerHTML = flagged.length
    ? flagged.map((c) => `<li data-testid="found-caller">${esc(keyOf(c))}: ${plural(c.total_contacts, 'call')}, first flagged ${esc(when(c.first_flagged_at))}</li>`).join('')
    : `<li>${esc(words().none)}</li>`;
}

$('#file-input').addEventListener('change', (e) => {
  openFiles(e.target.files);
  e.target.value = '';
});
const drop = $('#drop');
let dragDepth = 0;
document.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth += 1; document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) document.body.classList.remove('dragging'); });
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dragging');
  if (e.dataTransfer?.files?.length) openFiles(e.dataTransfer.files);
});
drop.addEventListener('dragover', () => drop.classList.add('over'));
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', () => drop.classList.remove('over'));
$('#back-to-sample').addEventListener('click', () => {
  $('#report').hidden = true;
  useArchive(state.sample, { kind: 'sample', label: `the sample snapshot ${state.sampleIndex.snapshot_id} (${state.sampleIndex.description})` });
});

// ---------------------------------------------------------------------------------- tabs

const tabs = [...document.querySelectorAll('[role=tab]')];

function showTab(name) {
  for (const tab of tabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !on;
  }
  document.body.dataset.view = name;
  if (name === 'demand' && (state.dirty.has('demand') || !$('#demand-chart').__uplot)) renderDemand();
  if (name === 'replay' && state.archive && !state.replay) {
    $('#replay-remaining').textContent = count(state.analysis?.keyed_contacts ?? 0);
  }
  charts.resizeCharts($(`#view-${name}`));
}

tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => showTab(tab.id.slice(4)));
  tab.addEventListener('keydown', (e) => {
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    next.focus();
    showTab(next.id.slice(4));
  });
});

let resizing = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => charts.resizeCharts(document), 150);
});

// ---------------------------------------------------------------------------------- start

status('Loading the detection module and the sample…', true);
loadSample().catch((e) => {
  status(`Could not load the sample: ${e.message}`);
  document.body.dataset.ready = 'error';
  console.error(e);
});
