/** Who a tenant request is acting as, and the scopes that limit which routes it may call. */
export const scopes = ["tickets", "hr", "api"] as const;
export type Scope = (typeof scopes)[number];

export interface Principal {
  kind: "api_key" | "service_account";
  id: string;
  tenantId: string;
  scopes: readonly string[];
  /** Set when the request authenticated with an AR-JWT (logout revokes this id). */
  tokenId?: string;
  tokenExpiresAt?: number;
}

export const hasScope = (principal: Principal, scope: Scope): boolean => principal.scopes.includes(scope);
