/**
 * The fire-and-forget lifecycle hooks as deliveries of the ordered engine (issue 8): a committed event on a
 * `User` record becomes postCreateUser (create), postUpdateUser (update, merge of an existing user) or
 * runDeprovision (delete, archive), if the tenant enabled that hook. All of one user's hooks share one stream,
 * so the tenant sees them in commit order; the body is the Cymmetri envelope, rendered once here. Pure.
 */
import type { EventType, LifecycleHookName, LifecycleHooks, StoredEvent } from "../db/schema";
import { hookBody, hookUrl } from "./hook-requests";

/** The pseudo-subscription lifecycle deliveries are recorded under (one per event: the uniqueness key holds). */
export const LIFECYCLE_SUBSCRIPTION_ID = "lifecycle";
export const USER_FORM = "User";

export type PostHookName = Extract<LifecycleHookName, "postCreateUser" | "postUpdateUser" | "runDeprovision">;

/** Every post hook: the hooks a committed User event can call (postHookFor). */
export const POST_HOOKS: readonly PostHookName[] = ["postCreateUser", "postUpdateUser", "runDeprovision"];

/** The post hook an event on a user calls; a merge that created the user (version 1) counts as a create. */
export function postHookFor(event: { type: EventType; version?: number }): PostHookName {
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

/** The hook calls an event makes: none before the configuration existed (as for subscriptions, see fan-out.ts). */
export function planLifecycleDeliveries(event: PostHookEvent, config: Pick<LifecycleHooks, "baseUrl" | "enabled" | "createdAt"> | null): PlannedHookDelivery[] {
  if (!config || event.form !== USER_FORM || event.createdAt < config.createdAt) return [];
  const hook = postHookFor(event);
  if (!config.enabled.includes(hook)) return [];
  return [
    {
      subscriptionId: LIFECYCLE_SUBSCRIPTION_ID,
      streamKey: lifecycleStreamKey(event),
      eventSeq: event.seq,
      body: JSON.stringify(hookBody({ hook, user: event.data })),
      contentType: "application/json",
      url: hookUrl(config.baseUrl, hook),
    },
  ];
}
