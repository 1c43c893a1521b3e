/**
 * Qdrant's datetime parsing (payload values and `range` bounds), as microseconds since the Unix epoch in UTC.
 *
 * Accepted, like Qdrant: RFC 3339 (`T`, `t` or space between date and time, `Z`/`z` or `±hh:mm`/`±hhmm`, any number
 * of fraction digits) and, assumed UTC when no offset is given: `YYYY-MM-DD[T ]HH:MM:SS[.f]`, `YYYY-MM-DD HH:MM` and
 * `YYYY-MM-DD`. Fractions finer than a microsecond are truncated (Qdrant stores microseconds).
 *
 * Trap: a double holds whole microseconds exactly only up to 2^53 µs (about year 2255); later instants lose
 * sub-millisecond precision. Returns `undefined` for anything else.
 */
const FORMAT =
  /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

export function parseDatetimeMicros(text: string): number | undefined {
  const m = FORMAT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, sep, hh, mm, ss, frac, z, sign, oh, om] = m;
  const hasTime = sep !== undefined;
  const hasOffset = z !== undefined || sign !== undefined;
  if (hasTime && ss === undefined && (hasOffset || sep !== ' ')) return undefined; // only `YYYY-MM-DD HH:MM`
  if (!hasTime && hasOffset) return undefined;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(hh ?? 0), minute = Number(mm ?? 0);
  let second = Number(ss ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (second === 60) second = 59; // a leap second sorts just before the next minute, as chrono does
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const h = Number(oh), mi = Number(om);
    if (h > 23 || mi > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (h * 60 + mi);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const fracMicros = frac ? Number((frac + '000000').slice(0, 6)) : 0;
  // Date.UTC maps years 0..99 to 1900..1999; fix it up so that 0001-01-01 means year 1.
  const fixed = year < 100 ? ms + yearFix(year) : ms;
  return fixed * 1000 + fracMicros;
}

function yearFix(year: number): number {
  const wrong = Date.UTC(year, 0, 1);
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return d.getTime() - wrong;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
