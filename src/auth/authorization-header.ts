/**
 * Parses the inbound Authorization header as seed 000 describes it ("passed in the Authorization Header"):
 * `<api key>`, `Bearer <api key>`, or `Basic base64(email:password)` for a service account; AR System
 * clients send `AR-JWT <token>` from /api/jwt/login. A Bearer (or bare) credential starting `hglt_` is a lifecycle
 * hook token Hookgate issued (lifecycle-tokens.ts). Pure.
 */
import { isLifecycleToken } from "./lifecycle-tokens";

type Credential =
  | { kind: "api_key"; key: string }
  | { kind: "service_account"; email: string; password: string }
  | { kind: "ar_jwt"; token: string }
  | { kind: "lifecycle_token"; token: string };

export function parseAuthorization(header: string | undefined): Credential | null {
  const value = header?.trim();
  if (!value) return null;
  const [scheme = "", ...rest] = value.split(/\s+/);
  const token = rest.join(" ");
  switch (scheme.toLowerCase()) {
    case "bearer":
      return token ? keyOrLifecycleToken(token) : null;
    case "basic":
      return parseBasic(token);
    case "ar-jwt":
      return token ? { kind: "ar_jwt", token } : null;
    default:
      // A bare key, as the seed's vendors send it.
      return rest.length === 0 ? keyOrLifecycleToken(value) : null;
  }
}

const keyOrLifecycleToken = (credential: string): Credential =>
  isLifecycleToken(credential) ? { kind: "lifecycle_token", token: credential } : { kind: "api_key", key: credential };

function parseBasic(token: string): Credential | null {
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(token), (char) => char.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { kind: "service_account", email: decoded.slice(0, colon).toLowerCase(), password: decoded.slice(colon + 1) };
}
