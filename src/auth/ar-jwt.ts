/**
 * AR-JWT tokens for AR System REST clients (`POST /api/jwt/login`, then `Authorization: AR-JWT <token>`).
 * HS256, one hour, carrying the tenant and the service account. Each tenant's signing key is derived from
 * MASTER_KEY with HKDF (info = tenant id): nothing to store, no race on first use, and rotating MASTER_KEY
 * invalidates every token. Logout records the token id until the token would have expired anyway.
 */
import type { Database } from "../db/client";
import { revokeTokenId } from "./revoked-tokens";
import { randomBytes, toHex } from "../runtime/crypto";
import { signToken, verifyToken } from "./signed-token";

export const AR_JWT_TTL_SECONDS = 60 * 60;

interface ArJwtClaims {
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

/** HKDF salt: keeps AR-JWT keys apart from other signed tokens (portal sessions). */
const PURPOSE = "hookgate/ar-jwt/v1";

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
  return { token: await signToken(masterKeyBase64, PURPOSE, claims), claims };
}

/** The token's claims when it is well formed, signed for `tenantId`, and not expired; otherwise null. */
export const verifyArJwt = (
  masterKeyBase64: string,
  tenantId: string,
  token: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<ArJwtClaims | null> => verifyToken<ArJwtClaims>(masterKeyBase64, PURPOSE, tenantId, token, nowSeconds);

/** Logout: the token id is refused from now until the token would have expired anyway. */
export async function revokeArJwt(db: Database, token: { jti: string; tenantId: string; expiresAt: number }): Promise<void> {
  await revokeTokenId(db, { id: token.jti, tenantId: token.tenantId, expiresAt: token.expiresAt });
}
