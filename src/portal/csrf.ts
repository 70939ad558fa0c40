/**
 * CSRF protection for portal forms, two layers: the session cookie is SameSite=Strict, and every form posts
 * a `_csrf` field that must equal the token bound to the session (or, before sign-in, to the short-lived
 * sign-in cookie). A cross-site page can neither read the token nor make the browser send the cookie.
 */
import { timingSafeEqualStrings } from "../runtime/crypto";

export const CSRF_FIELD = "_csrf";
/** Holds the sign-in form's token, since there is no session yet to bind it to. */
export const SIGN_IN_CSRF_COOKIE = "hg_portal_signin";

export async function csrfMatches(expected: string | undefined, submitted: unknown): Promise<boolean> {
  if (!expected || typeof submitted !== "string" || submitted.length === 0) return false;
  return timingSafeEqualStrings(expected, submitted);
}

/** A request whose Origin header names another site is refused whatever it carries (defence in depth). */
export function crossOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  return origin !== new URL(request.url).origin;
}
