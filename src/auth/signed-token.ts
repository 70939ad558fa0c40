/**
 * Compact HS256 JWTs signed with a per-tenant key derived from MASTER_KEY by HKDF. The `purpose` is the HKDF
 * salt, so an AR-JWT can never pass as a portal session (or the reverse) even for the same tenant. Nothing is
 * stored; rotating MASTER_KEY invalidates every token. Pure apart from Web Crypto.
 */
import { fromBase64, toBase64Url } from "../runtime/crypto";

/** The claims every signed token carries; each purpose adds its own. */
interface TokenClaims {
  /** Tenant id: verification fails for any other tenant. */
  tnt: string;
  exp: number;
}

const encoder = new TextEncoder();
const signingKeys = new Map<string, Promise<CryptoKey>>();

function tenantSigningKey(masterKeyBase64: string, purpose: string, tenantId: string): Promise<CryptoKey> {
  const cacheKey = `${masterKeyBase64}\u0000${purpose}\u0000${tenantId}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey("raw", fromBase64(masterKeyBase64), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode(purpose), info: encoder.encode(tenantId) },
        master,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      );
    })();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

const base64UrlJson = (value: unknown): string => toBase64Url(encoder.encode(JSON.stringify(value)));
const HEADER = base64UrlJson({ alg: "HS256", typ: "JWT" });

function fromBase64Url(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}

export async function signToken<Claims extends TokenClaims>(masterKeyBase64: string, purpose: string, claims: Claims): Promise<string> {
  const signingInput = `${HEADER}.${base64UrlJson(claims)}`;
  const key = await tenantSigningKey(masterKeyBase64, purpose, claims.tnt);
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(signingInput));
  return `${signingInput}.${toBase64Url(signature)}`;
}

/**
 * The token's claims when it is well formed, signed for `tenantId` and `purpose`, and not expired; otherwise
 * null. The signature is checked with crypto.subtle.verify (constant time) before any claim is trusted.
 */
export async function verifyToken<Claims extends TokenClaims>(
  masterKeyBase64: string,
  purpose: string,
  tenantId: string,
  token: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Claims | null> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return null;
  const [header, payload, signature] = parts as [string, string, string];
  let claims: Claims;
  try {
    const key = await tenantSigningKey(masterKeyBase64, purpose, tenantId);
    if (!(await crypto.subtle.verify("HMAC", key, fromBase64Url(signature), encoder.encode(`${header}.${payload}`)))) return null;
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as Claims;
  } catch {
    return null;
  }
  if (claims.tnt !== tenantId || typeof claims.exp !== "number" || claims.exp <= nowSeconds) return null;
  return claims;
}
