/**
 * The fire-and-forget lifecycle hooks as deliveries of the ordered engine (issue 8, issue 18): a committed event
 * on a `User` record becomes postCreateUser (create), postUpdateUser (update, merge of an existing user),
 * runDeprovision (delete, archive), changePassword (password) or postProvision (provision_result), if the tenant
 * enabled that hook. All of one user's hooks share one stream, so the tenant sees them in commit order; the body
 * is the Cymmetri envelope, rendered once here (changePassword's with its password sealed: sealed-password.ts). Pure.
 */
import type { EventType, LifecycleHookName, LifecycleHooks, StoredEvent } from "../db/schema";
import { hookBody, hookUrl, type HookCall } from "./hook-requests";
import { sealedPasswordBody } from "./sealed-password";
import type { PasswordEventData, ProvisionResultEventData } from "./user-events";

/** The pseudo-subscription lifecycle deliveries are recorded under (one per event: the uniqueness key holds). */
export const LIFECYCLE_SUBSCRIPTION_ID = "lifecycle";
export const USER_FORM = "User";

export type PostHookName = Extract<LifecycleHookName, "postCreateUser" | "postUpdateUser" | "runDeprovision" | "changePassword" | "postProvision">;

/** Every post hook: the hooks a committed User event can call (postHookFor). */
export const POST_HOOKS: readonly PostHookName[] = ["postCreateUser", "postUpdateUser", "runDeprovision", "changePassword", "postProvision"];

/**
 * The post hook an event on a user calls; a merge that created the user (version 1) counts as a create. A
 * provisioning request calls none: its hooks (policyMap, preProvision) ran before it was committed.
 */
export function postHookFor(event: { type: EventType; version?: number }): PostHookName | null {
  switch (event.type) {
    case "create":
      return "postCreateUser";
    case "merge":
      return event.version === 1 ? "postCreateUser" : "postUpdateUser";
    case "update":
      return "postUpdateUser";
    case "delete":
    case "archive":
      return "runDeprovision";
    case "password":
      return "changePassword";
    case "provision":
      return null;
    case "provision_result":
      return "postProvision";
  }
}

/** One stream per user record: `lifecycle|User|<record id>`, parts percent-encoded as the engine's own keys are. */
export const lifecycleStreamKey = (event: { form: string; recordId: string }): string =>
  `${LIFECYCLE_SUBSCRIPTION_ID}|${encodeURIComponent(event.form)}|${encodeURIComponent(event.recordId)}`;

/** What a committed event tells the post hooks. */
export type PostHookEvent = Pick<StoredEvent, "seq" | "type" | "form" | "recordId" | "data" | "createdAt"> & { version?: number };

/** One hook call to deliver, in the shape of the engine's planned deliveries (which it is, structurally). */
export interface PlannedHookDelivery {
  subscriptionId: typeof LIFECYCLE_SUBSCRIPTION_ID;
  streamKey: string;
  eventSeq: number;
  body: string;
  contentType: string;
  url: string;
}

/** The body of the event's hook call; null when there is nothing to send (a password that was never sealed). */
function bodyOf(hook: PostHookName, event: PostHookEvent): string | null {
  if (hook === "changePassword") {
    const { user, passwordRef } = event.data as unknown as PasswordEventData;
    return passwordRef === null ? null : sealedPasswordBody(user, passwordRef);
  }
  if (hook === "postProvision") {
    const { user, provision, isSuccess, uid } = event.data as unknown as ProvisionResultEventData;
    return JSON.stringify(hookBody({ hook, user, provision, isSuccess, uid }));
  }
  const call: HookCall = { hook, user: event.data };
  return JSON.stringify(hookBody(call));
}

/** The hook calls an event makes: none before the configuration existed (as for subscriptions, see fan-out.ts). */
export function planLifecycleDeliveries(event: PostHookEvent, config: Pick<LifecycleHooks, "baseUrl" | "enabled" | "createdAt"> | null): PlannedHookDelivery[] {
  if (!config || event.form !== USER_FORM || event.createdAt < config.createdAt) return [];
  const hook = postHookFor(event);
  if (hook === null || !config.enabled.includes(hook)) return [];
  const body = bodyOf(hook, event);
  if (body === null) return [];
  return [{ subscriptionId: LIFECYCLE_SUBSCRIPTION_ID, streamKey: lifecycleStreamKey(event), eventSeq: event.seq, body, contentType: "application/json", url: hookUrl(config.baseUrl, hook) }];
}

/** The sealed password of a password event none of whose hook calls was planned: nothing will send it, so it is deleted. */
export function unsentPasswordRef(event: PostHookEvent, planned: readonly PlannedHookDelivery[]): string | null {
  if (event.type !== "password" || planned.length > 0) return null;
  return (event.data as unknown as PasswordEventData).passwordRef;
}
