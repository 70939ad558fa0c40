/**
 * Who a tenant request is acting as: the shape authentication middleware puts on the context. The scopes
 * themselves, and what they allow, are auth/'s business (auth/principal.ts).
 */
export interface Principal {
  kind: "api_key" | "service_account" | "lifecycle_token";
  id: string;
  tenantId: string;
  scopes: readonly string[];
  /** Set when the request authenticated with an AR-JWT (logout revokes this id). */
  tokenId?: string;
  tokenExpiresAt?: number;
  /** Set for an issued lifecycle hook token: it may read the tenant API (GET, HEAD), never change anything. */
  readOnly?: boolean;
  /** Set on the portal's in-process calls: who signed in (the service account's email, or the key's id). */
  portalSignIn?: string;
}
