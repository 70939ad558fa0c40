import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/runtime/errors";
import { callLifecycleHook, runSyncLifecycleHooks } from "../../src/lifecycle/sync-hooks";
import { findLifecycleConfig, lifecycleTarget } from "../../src/lifecycle/config-store";
import { database } from "../../src/db/client";
import { call, createTenant, type TestTenant } from "../helpers";
import { startReceiver, type Answer, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const USER = { employee_id: "1111", first_name: "Ann", last_name: "Lee", email: "ann@corp.example", mobile: "+1 555 0100", display_name: "Ann Lee" };

/** The hook name a received request was sent to. */
const hookOf = (url: string): string => url.split("/").pop()!;

/** Echoes the user back, as seed 001's validate/pre hooks do, unless `answers` says otherwise for that hook. */
const echo =
  (answers: Record<string, (user: Record<string, unknown>) => Response | Promise<Response>> = {}): Answer =>
  (request) => {
    const user = (request.json.request as { user: Record<string, unknown> }).user;
    return answers[hookOf(request.url)]?.(user) ?? Response.json({ response: { data: user } });
  };

async function configure(tenant: TestTenant, config: { enabled: string[]; timeoutMs?: number; onTimeout?: "reject" | "allow" }): Promise<void> {
  const response = await call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json: { baseUrl: receiver!.url, token: "tenant-token", ...config } });
  expect(response.status).toBe(200);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const ALL_SYNC = ["validateUser", "preCreateUser", "validateUpdateUser", "preUpdateUser"];

describe("runSyncLifecycleHooks", () => {
  it("create: validateUser then preCreateUser, with the Bearer token; a modification is returned in canonical names", async () => {
    receiver = startReceiver(echo({ validateUser: (user) => Response.json({ response: { data: { ...user, firstName: "Anne", country: "India" } } }) }));
    const tenant = await createTenant("sync-mod");
    await configure(tenant, { enabled: ALL_SYNC });
    const result = await runSyncLifecycleHooks(env, tenant.id, "create", USER);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUser", "preCreateUser"]);
    expect(receiver.received.every((request) => request.headers.get("authorization") === "Bearer tenant-token")).toBe(true);
    expect(receiver.received.every((request) => request.headers.get("content-type") === "application/json")).toBe(true);
    expect(receiver.received[0]!.json).toEqual({
      request: {
        user: {
          assignedGroups: [],
          provisionedApps: {},
          securityQuestion: {},
          firstName: "Ann",
          lastName: "Lee",
          login: "ann@corp.example",
          userType: "Employee",
          email: "ann@corp.example",
          mobile: "+1 555 0100",
          displayName: "Ann Lee",
          employeeId: "1111",
        },
      },
    });
    // preCreateUser sees what validateUser made of the user.
    expect((receiver.received[1]!.json.request as { user: Record<string, unknown> }).user).toMatchObject({ firstName: "Anne", country: "India" });
    expect(result).toEqual({ user: { ...USER, first_name: "Anne", country: "India" }, warnings: [], called: ["validateUser", "preCreateUser"] });
  });

  it("update: validateUpdateUser then preUpdateUser; both may modify", async () => {
    receiver = startReceiver(
      echo({
        validateUpdateUser: (user) => Response.json({ response: { data: { ...user, mobile: null } } }),
        preUpdateUser: (user) => Response.json({ response: { data: { ...user, displayName: "A. Lee" } } }),
      }),
    );
    const tenant = await createTenant("sync-upd");
    await configure(tenant, { enabled: ALL_SYNC });
    const result = await runSyncLifecycleHooks(env, tenant.id, "update", USER);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUpdateUser", "preUpdateUser"]);
    const { mobile: _removed, ...withoutMobile } = USER;
    expect(result.user).toEqual({ ...withoutMobile, display_name: "A. Lee" });
  });

  it("a rejection throws HOOK_REJECTED (422) with the tenant's message; later hooks are not called", async () => {
    receiver = startReceiver(echo({ validateUser: () => Response.json({ response: { error: true, message: "EmailAlreadyExist" } }) }));
    const tenant = await createTenant("sync-rej");
    await configure(tenant, { enabled: ALL_SYNC, onTimeout: "allow" });
    const error = await failure(runSyncLifecycleHooks(env, tenant.id, "create", USER));
    expect([error.code, error.status, error.message]).toEqual(["HOOK_REJECTED", 422, "EmailAlreadyExist"]);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUser"]);
  });

  it("a 4xx carrying the error envelope (onePortal style) is a rejection too", async () => {
    receiver = startReceiver(echo({ preUpdateUser: () => Response.json({ response: { error: true, message: "MobileAlreadyExist" } }, { status: 400 }) }));
    const tenant = await createTenant("sync-rej4xx");
    await configure(tenant, { enabled: ALL_SYNC });
    const error = await failure(runSyncLifecycleHooks(env, tenant.id, "update", USER));
    expect([error.code, error.message]).toEqual(["HOOK_REJECTED", "MobileAlreadyExist"]);
  });

  it("timeout under `reject`: HOOK_UNAVAILABLE (503) within the hard timeout", async () => {
    receiver = startReceiver(echo({ validateUser: () => new Promise<Response>(() => undefined) }));
    const tenant = await createTenant("sync-to-rej");
    await configure(tenant, { enabled: ALL_SYNC, timeoutMs: 200, onTimeout: "reject" });
    const started = Date.now();
    const error = await failure(runSyncLifecycleHooks(env, tenant.id, "create", USER));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect([error.code, error.status]).toEqual(["HOOK_UNAVAILABLE", 503]);
    // The caller's message is generic; the reason is kept for the tenant's inbound log.
    expect(error.message).toBe("The tenant's lifecycle hook is unavailable; nothing was changed");
    expect(error.logMessage).toMatch(/validateUser timed out after 200 ms/);
    expect(receiver.received).toHaveLength(1);
  });

  it("timeout under `allow`: the user goes on as is, with a warning, and the next hook still runs", async () => {
    receiver = startReceiver(echo({ validateUser: () => new Promise<Response>(() => undefined) }));
    const tenant = await createTenant("sync-to-allow");
    await configure(tenant, { enabled: ALL_SYNC, timeoutMs: 200, onTimeout: "allow" });
    const result = await runSyncLifecycleHooks(env, tenant.id, "create", USER);
    expect(result.user).toEqual(USER);
    expect(result.called).toEqual(["validateUser", "preCreateUser"]);
    expect(result.warnings).toEqual([{ hook: "validateUser", message: "validateUser timed out after 200 ms" }]);
  });

  it("non-2xx and invalid JSON follow the policy: 503 under reject, warnings under allow", async () => {
    receiver = startReceiver(echo({ validateUser: () => new Response("oops", { status: 500 }), preCreateUser: () => new Response("<html>", { status: 200 }) }));
    const tenant = await createTenant("sync-bad");
    await configure(tenant, { enabled: ALL_SYNC, onTimeout: "reject" });
    expect((await failure(runSyncLifecycleHooks(env, tenant.id, "create", USER))).code).toBe("HOOK_UNAVAILABLE");
    await configure(tenant, { enabled: ALL_SYNC, onTimeout: "allow" });
    const result = await runSyncLifecycleHooks(env, tenant.id, "create", USER);
    expect(result.user).toEqual(USER);
    expect(result.warnings.map((warning) => warning.hook)).toEqual(["validateUser", "preCreateUser"]);
    expect(result.warnings[0]!.message).toMatch(/answered 500/);
    expect(result.warnings[1]!.message).toMatch(/not JSON/);
  });

  it("only enabled hooks are called; no configuration means no call at all", async () => {
    receiver = startReceiver(echo());
    const tenant = await createTenant("sync-enabled");
    expect(await runSyncLifecycleHooks(env, tenant.id, "create", USER)).toEqual({ user: USER, warnings: [], called: [] });
    await configure(tenant, { enabled: ["preUpdateUser", "postCreateUser"] });
    expect((await runSyncLifecycleHooks(env, tenant.id, "create", USER)).called).toEqual([]);
    expect((await runSyncLifecycleHooks(env, tenant.id, "update", USER)).called).toEqual(["preUpdateUser"]);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["preUpdateUser"]);
  });

  it("a configuration whose token cannot be opened fails its hooks by the policy instead of skipping them", async () => {
    receiver = startReceiver(echo());
    const tenant = await createTenant("sync-notoken");
    await configure(tenant, { enabled: ALL_SYNC, onTimeout: "reject" });
    const { token_ref } = (await env.DB.prepare("SELECT token_ref FROM lifecycle_hooks WHERE tenant_id = ?").bind(tenant.id).first<{ token_ref: string }>())!;
    await env.SECRETS.delete(token_ref);
    const error = await failure(runSyncLifecycleHooks(env, tenant.id, "create", USER));
    expect([error.code, error.logMessage]).toEqual(["HOOK_UNAVAILABLE", expect.stringMatching(/token is unavailable/)]);
    expect(receiver.received).toHaveLength(0);
  });

  it("uses the tenant's own configuration only", async () => {
    receiver = startReceiver(echo({ validateUser: () => Response.json({ response: { error: true, message: "no" } }) }));
    const a = await createTenant("sync-a");
    const b = await createTenant("sync-b");
    await configure(a, { enabled: ALL_SYNC });
    expect(await runSyncLifecycleHooks(env, b.id, "create", USER)).toMatchObject({ user: USER, called: [] });
    expect(receiver.received).toHaveLength(0);
  });
});

describe("policyMap and runDeprovision as synchronous calls", () => {
  it("returns the mapped value and the deprovision flag; a failure comes back as a message, not a throw", async () => {
    receiver = startReceiver((request) =>
      hookOf(request.url) === "policyMap" ? Response.json({ response: { mappedValue: "valid" } }) : hookOf(request.url) === "runDeprovision" ? Response.json({ response: { data: true } }) : new Response("no", { status: 500 }),
    );
    const tenant = await createTenant("sync-calls");
    await configure(tenant, { enabled: ["policyMap", "runDeprovision"] });
    const target = (await lifecycleTarget(env, (await findLifecycleConfig(database(env.DB), tenant.id))!))!;
    expect(target).toMatchObject({ baseUrl: receiver.url, token: "tenant-token", enabled: ["policyMap", "runDeprovision"] });
    const policy = { targetAttribute: "email", cymmetrifield: "email", defaultValue: "example@gmail.com", formVeriable: "" };
    expect(await callLifecycleHook(env, target, { hook: "policyMap", user: USER, policy })).toEqual({ ok: true, answer: { kind: "mapped_value", value: "valid" } });
    expect((receiver.received[0]!.json.request as Record<string, unknown>).targetAttribute).toBe("email");
    expect(await callLifecycleHook(env, target, { hook: "runDeprovision", user: USER })).toEqual({ ok: true, answer: { kind: "flag", value: true } });
    expect(await callLifecycleHook(env, target, { hook: "validateUser", user: USER })).toEqual({ ok: false, message: "validateUser answered 500" });
  });
});
