/** Whether a parsed JSON value is an object with fields (not null, not an array): what readers of hand-editable files check before reading a field. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
