// Building a DateTimeFormat costs tens of microseconds; callers (imports) repeat a handful of zones.
const known = new Map<string, boolean>();

/** True when `tz` is an IANA time zone this runtime knows (e.g. Europe/Berlin, Asia/Shanghai). */
export function isTimeZone(tz: string): boolean {
  let ok = known.get(tz);
  if (ok !== undefined) return ok;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    ok = true;
  } catch {
    ok = false;
  }
  if (known.size < 1000) known.set(tz, ok);
  return ok;
}
