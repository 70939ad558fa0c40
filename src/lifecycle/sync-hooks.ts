/**
 * The synchronous lifecycle hooks, called in the inbound request path BEFORE the D1 commit (issue 8):
 * create runs validateUser then preCreateUser, update runs validateUpdateUser then preUpdateUser, only those
 * the tenant enabled, each with the tenant's hard timeout. A tenant's rejection throws HOOK_REJECTED (422)
 * with the tenant's message; a failure (non-2xx, not the answer envelope, timeout, refused URL) follows the
 * tenant's `onTimeout`: `reject` throws HOOK_UNAVAILABLE (503), `allow` goes on and returns a warning.
 * Inbound connectors (HR adduser/modifyuser, configurable hooks) and the AR entry API (through hooked-intent.ts)
 * call runSyncLifecycleHooks; provisioning requests use the same rules for their own hooks (provision-hooks.ts).
 */
import type { Bindings } from "../runtime/env";
import { readConfig } from "../runtime/env";
import { database } from "../db/client";
import type { LifecycleHookName } from "../db/schema";
import { AppError } from "../runtime/errors";
import { logLine } from "../runtime/log";
import { findLifecycleConfig, lifecycleTarget, type LifecycleTarget } from "./config-store";
import { buildHookRequest, fromCymmetriUser, toCymmetriUser, type HookCall, type UserFields, type UserHookName } from "./hook-requests";
import { parseHookAnswer, type HookAnswer } from "./hook-answers";
import { sendHook } from "./hook-client";
import { reportHookUnavailable } from "../operations/hook-failure-report";

export type SyncAction = "create" | "update";

/** The hooks each action runs, in order. */
export const SYNC_HOOKS: Readonly<Record<SyncAction, readonly UserHookName[]>> = {
  create: ["validateUser", "preCreateUser"],
  update: ["validateUpdateUser", "preUpdateUser"],
};

/** A hook that failed under the `allow` policy: the change went ahead without its say. */
export interface LifecycleWarning {
  hook: LifecycleHookName;
  message: string;
}

export interface SyncHookResult {
  /** The user to store: as given, or as the tenant's hooks modified it (canonical field names). */
  user: UserFields;
  warnings: LifecycleWarning[];
  /** The hooks that were called, in order. */
  called: LifecycleHookName[];
}

/** Outcome of one hook call: its parsed answer, or why there was none. */
export type HookOutcome = { ok: true; answer: Exclude<HookAnswer, { kind: "invalid" }> } | { ok: false; message: string };

/** Calls one of the tenant's hooks now and reads the answer; failures are returned, never thrown. */
export async function callLifecycleHook(env: Bindings, target: LifecycleTarget, call: HookCall): Promise<HookOutcome> {
  const exchange = await sendHook(buildHookRequest(target, call), { timeoutMs: target.timeoutMs, allowPrivate: readConfig(env).allowPrivateNetworks });
  if (!exchange.ok) return { ok: false, message: `${call.hook} ${exchange.error}` };
  const answer = parseHookAnswer(exchange.status, exchange.text);
  if (answer.kind === "invalid") return { ok: false, message: `${call.hook} ${answer.reason}` };
  return { ok: true, answer };
}

/**
 * A synchronous hook that did not answer usably, under the tenant's policy: `reject` throws HOOK_UNAVAILABLE (the
 * caller is not told why; the reason goes to the tenant's inbound log), `allow` logs it and returns the warning.
 * Either way it raises the operational event lifecycle_hook.failed.
 */
export function failedUnderPolicy(env: Bindings, onTimeout: LifecycleTarget["onTimeout"], tenantId: string, hook: LifecycleHookName, message: string): LifecycleWarning {
  reportHookUnavailable(env, tenantId, hook, message);
  if (onTimeout === "reject") {
    throw new AppError(
      "HOOK_UNAVAILABLE",
      "The tenant's lifecycle hook is unavailable; nothing was changed",
      [{ path: hook, message: "did not answer usably" }],
      undefined,
      `The tenant's lifecycle hook failed: ${message}; nothing was changed`,
    );
  }
  logLine("warn", "lifecycle_hook_failed_allowed", { tenantId, hook, reason: message });
  return { hook, message };
}

/** The hook call as far as the tenant's token allows: a configuration whose token cannot be opened fails each hook (by the policy), never skips it. */
export const callIfTarget = (env: Bindings, target: LifecycleTarget | null, call: Exclude<HookCall, { hook: "test" }>): Promise<HookOutcome> =>
  target ? callLifecycleHook(env, target, call) : Promise.resolve({ ok: false, message: `${call.hook} was not called: the lifecycle hook token is unavailable` });

/**
 * Runs the tenant's synchronous hooks for a user about to be created or updated, and returns the user to
 * store. For `update`, pass the whole user as it will be after the change (the stored record with the patch
 * applied), which is what the tenant validates; store the returned user (the record store diffs it).
 * Throws AppError HOOK_REJECTED (422, the tenant's message) or HOOK_UNAVAILABLE (503); nothing may be
 * committed after either. A tenant without lifecycle hooks gets the user back unchanged, with no call made.
 */
export async function runSyncLifecycleHooks(env: Bindings, tenantId: string, action: SyncAction, user: UserFields): Promise<SyncHookResult> {
  const result: SyncHookResult = { user, warnings: [], called: [] };
  const config = await findLifecycleConfig(database(env.DB), tenantId);
  const hooks = SYNC_HOOKS[action].filter((hook) => config?.enabled.includes(hook));
  if (!config || hooks.length === 0) return result;
  const target = await lifecycleTarget(env, config);
  for (const hook of hooks) {
    result.called.push(hook);
    const sent = toCymmetriUser(result.user);
    const outcome = await callIfTarget(env, target, { hook, user: result.user });
    if (!outcome.ok) {
      result.warnings.push(failedUnderPolicy(env, config.onTimeout, tenantId, hook, outcome.message));
      continue;
    }
    const { answer } = outcome;
    if (answer.kind === "rejected") throw new AppError("HOOK_REJECTED", answer.message, [{ path: hook, message: answer.message }]);
    if (answer.kind === "user") result.user = fromCymmetriUser(result.user, sent, answer.user);
  }
  return result;
}
