/**
 * A change to a `User` record from a path that writes records directly (the AR entry API), after the tenant's
 * synchronous hooks, as the HR path runs them: a create (or a merge that creates) runs validateUser then
 * preCreateUser on the new user; an update (or a merge into a live user) runs validateUpdateUser then
 * preUpdateUser on the user as it will be, and stores what they return (a field they dropped is removed).
 * A veto throws HOOK_REJECTED, a failure under `reject` HOOK_UNAVAILABLE: nothing is committed. Other forms,
 * deletes and updates that change nothing pass through without a call.
 */
import type { Bindings } from "../runtime/env";
import type { Database } from "../db/client";
import type { ChangeIntent } from "../records/commit-change";
import { findRecord } from "../records/store";
import { applyPatch, changedFields } from "../records/diff";
import { formNameKey } from "../records/record-ids";
import { USER_FORM } from "./post-hooks";
import { runSyncLifecycleHooks } from "./sync-hooks";

export async function withUserLifecycleHooks(env: Bindings, db: Database, tenantId: string, form: string, intent: ChangeIntent): Promise<ChangeIntent> {
  if (formNameKey(form) !== formNameKey(USER_FORM)) return intent;
  if (intent.kind === "create") return { ...intent, data: (await runSyncLifecycleHooks(env, tenantId, "create", intent.data)).user };
  if (intent.kind !== "update") return intent;
  const known = await findRecord(db, tenantId, form, intent.id);
  // An unknown or deleted user: the commit answers it (404), no hook is asked about it.
  if (!known || known.deletedAt !== null) return intent;
  const after = applyPatch(known.data, intent.patch);
  if (changedFields(known.data, after).length === 0) return intent;
  const hooked = await runSyncLifecycleHooks(env, tenantId, "update", after);
  const removed = Object.fromEntries(Object.keys(known.data).filter((field) => !(field in hooked.user)).map((field) => [field, null]));
  return { ...intent, patch: { ...removed, ...hooked.user } };
}
