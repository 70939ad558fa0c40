/**
 * Who made a management change, as the audit log and a credential's `created_by` name them: an API key, a
 * service account, a portal sign-in (the account's email, or the id of the key it signed in with) or the
 * operator's admin token.
 */
import { z } from "@hono/zod-openapi";
import type { Principal } from "../http/principal";

/** `lifecycle_token` (an issued lifecycle hook token) is read-only, so it never makes a change; it is named for completeness. */
export const actorKinds = ["api_key", "service_account", "portal", "admin", "lifecycle_token"] as const;
export type ActorKind = (typeof actorKinds)[number];

export interface Actor {
  kind: ActorKind;
  id: string;
}

export const actorView = z
  .object({
    kind: z.enum(actorKinds),
    id: z.string().openapi({ description: "The key id, the service account id, the portal sign-in (account email, or the key id it signed in with), or `admin`" }),
  })
  .openapi("Actor");

/** The operator, through the admin API: there is one admin token, so one admin. */
export const ADMIN_ACTOR: Actor = { kind: "admin", id: "admin" };

/** The actor behind an authenticated tenant request: the portal user when the portal made the call. */
export const actorOf = (principal: Principal): Actor =>
  principal.portalSignIn === undefined ? { kind: principal.kind, id: principal.id } : { kind: "portal", id: principal.portalSignIn };

/** As stored in `created_by`: `api_key:{id}`, `service_account:{id}`, `portal:{email or key id}`, or `admin`. */
export const createdByOf = (actor: Actor): string => (actor.kind === "admin" ? "admin" : `${actor.kind}:${actor.id}`);

/** Who made a record change, as events keep it (`$USER$` in a qualification): the principal's `created_by` form. */
export const changeActorOf = (principal: Principal): string => createdByOf(actorOf(principal));

/** The actor a `created_by` value names; null for a credential made before the audit log (or an unknown form). */
export function actorFromCreatedBy(createdBy: string | null): Actor | null {
  if (createdBy === "admin") return ADMIN_ACTOR;
  const separator = createdBy?.indexOf(":") ?? -1;
  if (createdBy === null || separator < 0) return null;
  const kind = createdBy.slice(0, separator);
  return (actorKinds as readonly string[]).includes(kind) ? { kind: kind as ActorKind, id: createdBy.slice(separator + 1) } : null;
}

/** The `created_by` values of what an API key made: with the key itself, or in a portal session it signed in to. */
export const createdByKey = (keyId: string): string[] => [createdByOf({ kind: "api_key", id: keyId }), createdByOf({ kind: "portal", id: keyId })];
