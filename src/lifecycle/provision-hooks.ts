/**
 * The synchronous hooks of a provisioning request (seed 001): policyMap (the tenant maps the attribute the
 * application needs: `{"response":{"mappedValue":...}}`), then preProvision (the user about to be provisioned:
 * the same or a modified user, or a rejection), only those the tenant enabled, each with the hard timeout. As in
 * sync-hooks.ts: a rejection throws HOOK_REJECTED (422); a failure follows `onTimeout` (`reject`: 503
 * HOOK_UNAVAILABLE; `allow`: goes on with a warning). What they answer is what the provisioning stores.
 */
import type { Bindings } from "../runtime/env";
import { database } from "../db/client";
import type { LifecycleHookName, PolicyMapFields } from "../db/schema";
import { AppError } from "../runtime/errors";
import { findLifecycleConfig, lifecycleTarget } from "./config-store";
import { fromCymmetriUser, toCymmetriUser, type ProvisionContext, type UserFields } from "./hook-requests";
import { callIfTarget, failedUnderPolicy, type LifecycleWarning } from "./sync-hooks";

export interface ProvisionHookResult {
  /** The user as provisioned: as stored, or as preProvision modified it. */
  user: UserFields;
  /** policyMap's answer; null when it was not called or did not answer one. */
  mappedValue: unknown;
  warnings: LifecycleWarning[];
  called: LifecycleHookName[];
}

export async function runProvisionHooks(env: Bindings, tenantId: string, user: UserFields, provision: ProvisionContext, policy: PolicyMapFields): Promise<ProvisionHookResult> {
  const result: ProvisionHookResult = { user, mappedValue: null, warnings: [], called: [] };
  const config = await findLifecycleConfig(database(env.DB), tenantId);
  const hooks = (["policyMap", "preProvision"] as const).filter((hook) => config?.enabled.includes(hook));
  if (!config || hooks.length === 0) return result;
  const target = await lifecycleTarget(env, config);
  for (const hook of hooks) {
    result.called.push(hook);
    const sent = toCymmetriUser(result.user);
    const outcome = await callIfTarget(env, target, hook === "policyMap" ? { hook, user: result.user, policy } : { hook, user: result.user, provision });
    if (!outcome.ok) {
      result.warnings.push(failedUnderPolicy(env, config.onTimeout, tenantId, hook, outcome.message));
      continue;
    }
    const { answer } = outcome;
    if (answer.kind === "rejected") throw new AppError("HOOK_REJECTED", answer.message, [{ path: hook, message: answer.message }]);
    if (answer.kind === "mapped_value") result.mappedValue = answer.value;
    if (answer.kind === "user") result.user = fromCymmetriUser(result.user, sent, answer.user);
  }
  return result;
}
