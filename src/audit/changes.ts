/**
 * What an audit row says changed: field names and their new values, where a secret (password, token, key,
 * client secret, signing secret) appears only as "changed", never with its value. Pure.
 */

/** The value the log shows for a secret that was set or replaced. */
export const CHANGED = "changed";

/** Field names that hold a secret, at any depth: `password`, `token`, `secret`, `clientSecret`, `accessSecretKey`, `apiKey`, `key`. */
const SECRET_FIELD = /(secret|password|token|secretkey|apikey|^key)$/i;

/** `changes` with the value of every secret-named field, however deep, replaced by CHANGED. */
export function redactSecrets(changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).map(([name, value]) => [name, SECRET_FIELD.test(name) ? CHANGED : redactValue(value)]));
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === "object") return redactSecrets(value as Record<string, unknown>);
  return value;
}

/** JSON with object keys sorted, so two values compare equal whatever order their keys were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The fields of `after` whose value differs from the same field of `before`, with their new values. */
export function fieldChanges<T extends object>(before: object, after: T): Partial<T> {
  const entries = Object.entries(after).filter(([name, value]) => canonical(value) !== canonical((before as Record<string, unknown>)[name]));
  return Object.fromEntries(entries) as Partial<T>;
}
