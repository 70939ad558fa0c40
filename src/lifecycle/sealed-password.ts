/**
 * changePassword's body as the engine keeps it: the seed's exact body with `passwordText` replaced by a
 * reference to the sealed password (`{"sealedRef":"secret:..."}`), so no stored body, delivery or log holds
 * the password; the engine opens the secret and puts the password back only at send time. JSON.parse and
 * JSON.stringify keep key order, so the sent bytes are those hookBody() makes with the password. Pure.
 */
import { hookBody, type UserFields } from "./hook-requests";

const SEALED_REF_KEY = "sealedRef";

/** The body to store for a password change whose password is sealed under `ref`. */
export function sealedPasswordBody(user: UserFields, ref: string): string {
  const body = hookBody({ hook: "changePassword", user, passwordText: "" }) as { request: Record<string, unknown> };
  body.request.passwordText = { [SEALED_REF_KEY]: ref };
  return JSON.stringify(body);
}

type Envelope = { request?: { passwordText?: unknown } };

const parse = (body: string): Envelope | null => {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? (parsed as Envelope) : null;
  } catch {
    return null;
  }
};

/** The sealed password a stored body refers to; null for any other body. */
export function sealedRefOf(body: string): string | null {
  const text = parse(body)?.request?.passwordText;
  if (typeof text !== "object" || text === null) return null;
  const ref = (text as Record<string, unknown>)[SEALED_REF_KEY];
  return typeof ref === "string" ? ref : null;
}

/** The body to send: the stored one with the password in place of its reference. */
export function withPassword(body: string, password: string): string {
  const parsed = parse(body) as { request: Record<string, unknown> };
  parsed.request.passwordText = password;
  return JSON.stringify(parsed);
}
