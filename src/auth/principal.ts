/** The scopes that limit which routes a principal (http/principal.ts) may call. */
import type { Principal } from "../http/principal";

export type { Principal };
export const scopes = ["tickets", "hr", "api"] as const;
export type Scope = (typeof scopes)[number];

export const hasScope = (principal: Principal, scope: Scope): boolean => principal.scopes.includes(scope);
