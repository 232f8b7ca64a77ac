/**
 * Wall-clock time in a time zone, for the outbound-calling rules: the calendar day and the
 * minute of the day of an instant (Intl, so any IANA zone), and whether a minute lies in a
 * calling window. Used by the probe's evaluation (results/outbound-rules.ts) and the
 * embedded dialer (simulator/dialer.ts), so both count days and windows the same way.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** Local calendar day (YYYY-MM-DD) and minute of the day (0–1439) of an epoch ms in `tz`. */
export function localDayMinute(epochMs: number, tz: string): { day: string; minute: number } {
  let f = formats.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    });
    formats.set(tz, f);
  }
  const parts = f.formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** The wall-clock time of an epoch ms in `tz`, to the millisecond: "2026-12-04 03:21:30.335". */
export function localTimestamp(epochMs: number, tz: string): string {
  const { day } = localDayMinute(epochMs, tz);
  const t = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23',
  }).format(new Date(epochMs));
  return `${day} ${t}`;
}

/** Whether a minute of the day lies in [fromMin, toMin); a window with fromMin > toMin spans midnight. */
export function inWindow(minute: number, w: { fromMin: number; toMin: number }): boolean {
  return w.fromMin <= w.toMin ? minute >= w.fromMin && minute < w.toMin : minute >= w.fromMin || minute < w.toMin;
}
