// Charts drawn with uPlot (vendored by scripts/build-web), and the hour × weekday grid.

import uPlot from './vendor/uPlot.esm.js';
import { WEEKDAYS, WEEKDAY_NAMES, axisDays, axisTimes, count, day, esc, whenExact } from './format.js';

const COLOURS = ['#0b4f8a', '#8250df', '#1a7f37'];
const FLAG = '#b3261e';
const londonDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Europe/London');
const utcDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

function replace(el, opts, data) {
  el.__uplot?.destroy();
  el.replaceChildren();
  const width = Math.max(320, el.clientWidth || el.parentElement?.clientWidth || 800);
  const plot = new uPlot({ width, ...opts }, data, el);
  el.__uplot = plot;
  return plot;
}

/** Resizes every chart inside `root` to its container's width. */
export function resizeCharts(root) {
  for (const el of root.querySelectorAll('.chart')) {
    const plot = el.__uplot;
    if (plot && el.clientWidth > 0) plot.setSize({ width: el.clientWidth, height: plot.height });
  }
}

/**
 * One caller's calls in time order: the rolling count under each rule at each call, the calls
 * that qualify, and each rule's threshold; episodes shaded.
 * `detail` is `archive.caller(...)` (CallerDetail); `rules` are the kernel's parsed rules
 * (`parseRules(text).rules`, for the labels).
 */
export function timeline(el, detail, rules) {
  const contacts = detail.contacts;
  const xs = contacts.map((c) => c.t / 1e6);
  const data = [xs];
  const series = [{ label: 'Time (UK)', value: (u, v) => (v == null ? '–' : whenExact(v * 1e6)) }];
  let top = 1;
  detail.thresholds.forEach((k, r) => {
    const counts = contacts.map((c) => c.rolling_counts[r]);
    const colour = COLOURS[r % COLOURS.length];
    const name = rules[r]?.text ?? `rule ${r + 1}`;
    top = Math.max(top, k, ...counts);
    data.push(counts);
    series.push({
      label: `Calls in window (${name})`, stroke: colour, width: 1.5,
      points: { show: true, size: 6, fill: colour, stroke: colour },
    });
    data.push(counts.map((n) => (n >= k ? n : null)));
    series.push({
      label: `Qualifying (${name})`, stroke: FLAG, fill: FLAG, width: 0, paths: () => null,
      points: { show: true, size: 9, fill: FLAG, stroke: FLAG },
    });
    data.push(xs.map(() => k));
    series.push({
      label: `Threshold ${k}`, stroke: colour, width: 1.5, dash: [8, 5],
      points: { show: false }, value: () => String(k),
    });
  });

  // Episode spans: from the first to the last call inside each episode.
  const spans = new Map();
  for (const c of contacts) {
    if (c.episode == null) continue;
    const s = spans.get(c.episode) ?? [c.t, c.t];
    spans.set(c.episode, [Math.min(s[0], c.t), Math.max(s[1], c.t)]);
  }
  const shade = (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(179, 38, 30, 0.10)';
    for (const [a, b] of spans.values()) {
      const x0 = u.valToPos(a / 1e6, 'x', true);
      const x1 = u.valToPos(b / 1e6, 'x', true);
      ctx.fillRect(x0 - 3, bbox.top, Math.max(6, x1 - x0 + 6), bbox.height);
    }
    ctx.restore();
  };

  const min = xs[0];
  const max = xs[xs.length - 1];
  const pad = Math.max(3600, (max - min) * 0.03);
  return replace(el, {
    height: 300,
    tzDate: londonDate,
    scales: {
      x: { time: true, range: () => [min - pad, max + pad] },
      y: { range: () => [0, top + 1] },
    },
    axes: [{ values: (u, splits) => axisTimes(splits) }, { label: 'Calls in window', size: 50, incrs: [1, 2, 5, 10, 20, 50, 100] }],
    series,
    hooks: { drawClear: [shade] },
    legend: { live: true },
  }, data);
}

/** Contacts per UK day, those inside an episode (`label`: from repeat callers, or about
 * repeat addresses), and their share. */
export function demand(el, days, label = 'From repeat callers') {
  const xs = days.map((d) => d.day * 86400);
  const all = days.map((d) => d.contacts);
  const repeat = days.map((d) => d.in_episodes);
  const share = days.map((d) => (d.contacts ? (100 * d.in_episodes) / d.contacts : 0));
  const shareTop = Math.min(100, Math.max(5, Math.ceil(Math.max(0, ...share) * 1.25)));
  const min = xs[0] ?? 0;
  const max = xs[xs.length - 1] ?? 86400;
  return replace(el, {
    height: 300,
    tzDate: utcDate,
    scales: {
      x: { time: true, range: () => [min - 43200, max + 43200] },
      y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.05] },
      share: { range: () => [0, shareTop] },
    },
    axes: [
      { values: (u, splits) => axisDays(splits), incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400] },
      { label: 'Contacts', size: 55 },
      { scale: 'share', side: 1, label: `Share ${label.toLowerCase()} (%)`, grid: { show: false }, size: 50 },
    ],
    series: [
      { label: 'Day', value: (u, v) => (v == null ? '–' : day(Math.round(v / 86400))) },
      { label: 'All contacts', stroke: '#6e7781', fill: 'rgba(110, 119, 129, 0.35)', width: 1, paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } },
      { label, stroke: FLAG, fill: 'rgba(179, 38, 30, 0.75)', width: 1, paths: uPlot.paths.bars({ size: [0.45, 24] }), points: { show: false } },
      { label: 'Share (%)', scale: 'share', stroke: COLOURS[0], width: 2, value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}%`), points: { show: true, size: 4 } },
    ],
  }, [xs, all, repeat, share]);
}

/** Keys (callers or addresses) flagged at each threshold 2..20 (first rule's window), the one in use marked. */
export function thresholds(el, rows, current, label = 'Callers flagged') {
  const xs = rows.map((r) => r.threshold);
  const ys = rows.map((r) => r.flagged);
  const mark = rows.map((r) => (r.threshold === current ? r.flagged : null));
  // Each bar's count above it: small counts (the ones that matter) stay readable.
  const labels = (u) => {
    const { ctx } = u;
    ctx.save();
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillStyle = '#1b1f24';
    xs.forEach((x, i) => {
      ctx.fillStyle = x === current ? FLAG : '#1b1f24';
      ctx.fillText(String(ys[i]), u.valToPos(x, 'x', true), u.valToPos(ys[i], 'y', true) - 4 * devicePixelRatio);
    });
    ctx.restore();
  };
  return replace(el, {
    hooks: { draw: [labels] },
    height: 260,
    scales: { x: { time: false, range: () => [1.5, 20.5] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.1] } },
    axes: [
      { label: 'Threshold (calls in the window)', incrs: [1, 2, 5] },
      { label, size: 55 },
    ],
    series: [
      { label: 'Threshold' },
      { label, stroke: COLOURS[0], fill: 'rgba(11, 79, 138, 0.25)', width: 1, paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } },
      { label: 'In use', stroke: FLAG, width: 0, paths: () => null, points: { show: true, size: 12, fill: FLAG, stroke: FLAG } },
    ],
  }, [xs, ys, mark]);
}

/** The 7 × 24 grid (Monday first, UK hours) as a table, shaded by calls. */
export function heatmap(table, flat) {
  const max = Math.max(1, ...flat);
  const head = `<caption class="visually-hidden">Calls by weekday and hour, UK time</caption><thead><tr><td></td>${
    Array.from({ length: 24 }, (_, h) => `<th scope="col" title="${String(h).padStart(2, '0')}:00">${h % 3 === 0 ? String(h).padStart(2, '0') : '<span class="visually-hidden">' + String(h).padStart(2, '0') + '</span>'}</th>`).join('')
  }</tr></thead>`;
  const rows = WEEKDAYS.map((name, d) => {
    const cells = Array.from({ length: 24 }, (_, h) => {
      const n = flat[d * 24 + h] ?? 0;
      const label = `${WEEKDAY_NAMES[d]} ${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00: ${n === 1 ? '1 call' : `${count(n)} calls`}`;
      return `<td data-count="${n}" title="${esc(label)}" aria-label="${esc(label)}"${n ? '' : ' class="z"'}>${n || ''}</td>`;
    }).join('');
    return `<tr><th scope="row">${name}</th>${cells}</tr>`;
  }).join('');
  table.innerHTML = `${head}<tbody>${rows}</tbody>`;
  // Shades set through the CSSOM: the page's CSP allows no inline style attributes.
  for (const td of table.querySelectorAll('td[data-count]')) {
    const n = Number(td.dataset.count);
    if (n) td.style.backgroundColor = `rgba(11, 79, 138, ${(0.2 + 0.8 * (n / max)).toFixed(3)})`;
  }
}
