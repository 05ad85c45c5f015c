// Formatting for control-room staff: UK time, UK number style.

const UK = 'Europe/London';
const dateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const dateTimeSeconds = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK, weekday: 'short', day: 'numeric', month: 'short',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const dayOnly = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
});
const numbers = new Intl.NumberFormat('en-GB');

/** UTC microseconds since the epoch to a Date. */
export const dateOf = (micros) => new Date(micros / 1000);

function parts(formatter, date) {
  const p = {};
  for (const { type, value } of formatter.formatToParts(date)) p[type] = value;
  return p;
}

/** "Sat 11 Oct 2025 00:02" in UK local time. */
export function when(micros) {
  if (micros == null) return '–';
  const p = parts(dateTime, dateOf(micros));
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}`;
}

/** "Sat 11 Oct 00:02:22" in UK local time. */
export function whenExact(micros) {
  if (micros == null) return '–';
  const p = parts(dateTimeSeconds, dateOf(micros));
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}:${p.second}`;
}

const axisDay = new Intl.DateTimeFormat('en-GB', { timeZone: UK, day: 'numeric', month: 'short' });
const axisTime = new Intl.DateTimeFormat('en-GB', { timeZone: UK, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const axisUtcDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });

/** Axis labels for times in seconds, UK style: "11 Oct" at midnight, else "14:00". */
export function axisTimes(seconds) {
  return seconds.map((s) => {
    const d = new Date(s * 1000);
    const t = axisTime.format(d);
    return t === '00:00' ? axisDay.format(d) : t;
  });
}

/** Axis labels for UK days given as seconds at UTC midnight: "6 Oct". */
export function axisDays(seconds) {
  return seconds.map((s) => axisUtcDay.format(new Date(s * 1000)));
}

/** A UK day number (days since 1970-01-01) to "Mon 6 Oct 2025". */
export function day(dayNumber) {
  const p = parts(dayOnly, new Date(dayNumber * 86400000));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** 12345 to "12,345". */
export const count = (n) => numbers.format(n);

/** 0.4321 to "43%". */
export const percent = (share) => `${Math.round(share * 100)}%`;

/** A caller key short enough for a table: pseudonyms cut to 12 characters. */
export const shortKey = (key) => (key.startsWith('ps:') && key.length > 16 ? `${key.slice(0, 12)}…` : key);

/** "1 call", "2 calls". */
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

const UNIT_WORDS = { h: ['hour', 'hours'], d: ['day', 'days'] };

/** "10 calls within 7 days" for a rule as the kernel's `parseRules` reads it (`ParsedRule`). */
export function ruleWords(rule) {
  const [one, many] = UNIT_WORDS[rule.window_unit] ?? [rule.window_unit, rule.window_unit];
  return `${rule.min_contacts} calls within ${rule.window_length} ${rule.window_length === 1 ? one : many}`;
}

/** Escapes text for HTML. */
export function esc(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** "Monday" first weekday names, as the kernel orders them. */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The words for a suggested type. */
export const TYPE_WORDS = {
  repeat_victim: 'Repeat victim?',
  vulnerable_caller: 'Vulnerable caller?',
  mixed: 'Mixed',
  undetermined: 'Undetermined',
};
