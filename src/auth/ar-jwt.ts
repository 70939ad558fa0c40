/**
 * AR-JWT tokens for AR System REST clients (`POST /api/jwt/login`, then `Authorization: AR-JWT <token>`).
 * HS256, one hour, carrying the tenant and the service account. Each tenant's signing key is derived from
 * MASTER_KEY with HKDF (info = tenant id): nothing to store, no race on first use, and rotating MASTER_KEY
 * invalidates every token. Logout records the token id until the token would have expired anyway.
 */
import { fromBase64, randomBytes, toBase64Url, toHex } from "./crypto";

export const AR_JWT_TTL_SECONDS = 60 * 60;

export interface ArJwtClaims {
  iss: "hookgate";
  /** Service account id. */
  sub: string;
  /** Tenant id. */
  tnt: string;
  scp: string[];
  iat: number;
  exp: number;
  jti: string;
}

const encoder = new TextEncoder();
const signingKeys = new Map<string, Promise<CryptoKey>>();

function tenantSigningKey(masterKeyBase64: string, tenantId: string): Promise<CryptoKey> {
  const cacheKey = `${masterKeyBase64}\u0000${tenantId}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey("raw", fromBase64(masterKeyBase64), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("hookgate/ar-jwt/v1"), info: encoder.encode(tenantId) },
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

export async function issueArJwt(
  masterKeyBase64: string,
  subject: { tenantId: string; accountId: string; scopes: string[] },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<{ token: string; claims: ArJwtClaims }> {
  const claims: ArJwtClaims = {
    iss: "hookgate",
    sub: subject.accountId,
    tnt: subject.tenantId,
    scp: subject.scopes,
    iat: nowSeconds,
    exp: nowSeconds + AR_JWT_TTL_SECONDS,
    jti: toHex(randomBytes(16)),
  };
  const signingInput = `${HEADER}.${base64UrlJson(claims)}`;
  const key = await tenantSigningKey(masterKeyBase64, subject.tenantId);
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(signingInput));
  return { token: `${signingInput}.${toBase64Url(signature)}`, claims };
}

/**
 * The token's claims when it is well formed, signed for `tenantId`, and not expired; otherwise null.
 * The signature is checked with crypto.subtle.verify (constant time) before any claim is trusted.
 */
export async function verifyArJwt(
  masterKeyBase64: string,
  tenantId: string,
  token: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<ArJwtClaims | null> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return null;
  const [header, payload, signature] = parts as [string, string, string];
  let signatureBytes: Uint8Array;
  let claims: ArJwtClaims;
  try {
    signatureBytes = fromBase64Url(signature);
    const key = await tenantSigningKey(masterKeyBase64, tenantId);
    if (!(await crypto.subtle.verify("HMAC", key, signatureBytes, encoder.encode(`${header}.${payload}`)))) return null;
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as ArJwtClaims;
  } catch {
    return null;
  }
  if (claims.tnt !== tenantId || typeof claims.exp !== "number" || claims.exp <= nowSeconds) return null;
  return claims;
}
