/**
 * Which forms a tenant's delivery cares about: the forms of its subscriptions (enabled ones, including those the
 * engine disabled after a 410, whose deliveries are held) and `User` when a post lifecycle hook is enabled. A
 * commit on any other form wakes nothing: the engine would read the event and plan no delivery. Such events are
 * still read, later, by a pump the sweeper starts (their cursor lags), so the cursor moves on and retention can
 * prune them; and since a subscription only gets events committed after it was created (fan-out.ts), reading
 * them late changes nothing.
 *
 * Kept per isolate for LOOKUP_CACHE_TTL_MS. A subscription or hook change forgets the tenant here at once; another
 * isolate may go on skipping a newly interesting form until its entry expires, and the sweeper covers that window.
 */
import type { Database } from "../db/client";
import { LOOKUP_CACHE_TTL_MS, TtlCache } from "../http/ttl-cache";
import { listAllSubscriptions } from "../subscriptions/subscription-store";
import { findLifecycleConfig } from "../lifecycle/config-store";
import { POST_HOOKS, USER_FORM } from "../lifecycle/post-hooks";
import { formNameKey } from "../records/record-ids";

const interest = new TtlCache<string, ReadonlySet<string>>(LOOKUP_CACHE_TTL_MS);

/** Whether a commit on `form` would give the tenant's delivery anything to do (form names compare ignoring case). */
export async function interestedIn(db: Database, tenantId: string, form: string): Promise<boolean> {
  return (await formsOfInterest(db, tenantId)).has(formNameKey(form));
}

/** The name keys (form-names.ts) of the forms whose events the tenant's delivery would act on, cached per isolate. */
async function formsOfInterest(db: Database, tenantId: string): Promise<ReadonlySet<string>> {
  const cached = interest.get(tenantId);
  if (cached) return cached;
  const [subscriptions, lifecycle] = await Promise.all([listAllSubscriptions(db, tenantId), findLifecycleConfig(db, tenantId)]);
  const forms = new Set(subscriptions.filter((subscription) => subscription.enabled).map((subscription) => formNameKey(subscription.formName)));
  if (lifecycle && POST_HOOKS.some((hook) => lifecycle.enabled.includes(hook))) forms.add(formNameKey(USER_FORM));
  interest.set(tenantId, forms);
  return forms;
}

/** Drops what this isolate knows of the tenant's interest (its subscriptions or hooks changed). */
export const forgetInterest = (tenantId: string): void => interest.delete(tenantId);
