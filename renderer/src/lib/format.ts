/** Number and duration formatting shared by the views. */

const intFormat = new Intl.NumberFormat('en-US');

/** 182625 → "182,625". */
export function formatInt(n: number): string {
  return intFormat.format(Math.round(n));
}

/** A loss or ratio with 4 significant decimals; "—" when missing. */
export function formatLoss(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4);
}

/** Small magnitudes in exponent form (5.8e-6), others with up to 4 significant digits. */
export function formatSci(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** Seconds as "1 h 02 min", "3 min 05 s", "42 s"; "—" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}

/**
 * toLocaleString's format, made once at start-up: the first date a view shows would otherwise load the locale's
 * date data in the middle of that view's first render (measured: a sixth of the Inspect tab's first-visit task).
 */
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });

/** An ISO date in the user's locale, as `Date.toLocaleString` writes it; the input itself when it is not a date. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

/** A vocabulary character as shown: a space is invisible between other characters, so it reads as ␠. */
export function showChar(c: string): string {
  return c === ' ' ? '␠' : c;
}
