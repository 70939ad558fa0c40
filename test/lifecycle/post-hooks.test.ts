import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { planLifecycleDeliveries, postHookFor } from "../../src/lifecycle/post-hooks";
import { DeliveryStore } from "../../src/delivery/delivery-store";
import { call, createTenant, type TestTenant, shardOf } from "../helpers";
import { createEntry, deliveryStub, editStorage, settle, startReceiver, subscribe, updateEntry, type Answer, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const POST_HOOKS = ["postCreateUser", "postUpdateUser", "runDeprovision"];
const hookOf = (url: string): string => url.split("/").pop()!;
const userOf = (json: Record<string, unknown>) => (json.request as { user: Record<string, unknown> }).user;

async function configure(tenant: TestTenant, enabled: string[], url = receiver!.url): Promise<void> {
  const response = await call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json: { baseUrl: url, token: "post-token", enabled } });
  expect(response.status).toBe(200);
}

const deleteEntry = async (tenant: TestTenant, id: string) =>
  expect((await call(tenant.slug, `/api/arsys/v1.0/entry/User/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);

/**
 * Makes the pending retry due now (the default schedule waits 5 s before the first retry), once the first
 * attempt's outcome is recorded: until then the delivery is still in flight and there is nothing to move.
 */
async function retryNow(tenant: TestTenant): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    let moved = 0;
    await editStorage(tenant.id, (sql) => {
      moved = sql.exec("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'", Date.now()).rowsWritten;
    });
    if (moved > 0) return;
    if (Date.now() > deadline) throw new Error("no pending retry to move");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls until `done()` (the queue's drain runs on its own schedule), failing after a few seconds. */
async function waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Delivery {
  id: string;
  subscriptionId: string;
  stream: string;
  status: string;
  attempts: number;
}

describe("post hooks through the delivery engine", () => {
  it("create, update, delete of a User: postCreateUser, postUpdateUser, runDeprovision in order, Cymmetri envelope, Bearer token", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("post");
    await configure(tenant, POST_HOOKS);
    const id = await createEntry(tenant, { first_name: "Ann", last_name: "Lee", email: "ann@corp.example", employee_id: "1111" }, "User");
    await updateEntry(tenant, id, { first_name: "Anne" }, "User");
    await deleteEntry(tenant, id);
    await settle(tenant.id);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(POST_HOOKS);
    expect(receiver.received.map((request) => request.url)).toEqual(POST_HOOKS.map((hook) => `${receiver!.url}/${hook}`));
    for (const request of receiver.received) {
      expect(request.headers.get("authorization")).toBe("Bearer post-token");
      expect(request.headers.get("content-type")).toBe("application/json");
      expect(request.headers.get("webhook-id")).toMatch(/^msg_\d+_lifecycle$/);
      expect(Object.keys(request.json)).toEqual(["request"]);
    }
    expect(userOf(receiver.received[0]!.json)).toEqual({
      assignedGroups: [],
      provisionedApps: {},
      securityQuestion: {},
      firstName: "Ann",
      lastName: "Lee",
      login: "ann@corp.example",
      userType: "Employee",
      email: "ann@corp.example",
      employeeId: "1111",
    });
    expect(userOf(receiver.received[1]!.json)).toMatchObject({ firstName: "Anne" });
    expect(userOf(receiver.received[2]!.json)).toMatchObject({ firstName: "Anne", employeeId: "1111" });
    const items = (await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: Delivery[] }>()).items;
    expect(items.map((item) => [item.subscriptionId, item.status])).toEqual(POST_HOOKS.map(() => ["lifecycle", "delivered"]));
    expect(new Set(items.map((item) => item.stream)).size).toBe(1);
  });

  it("retries with the attempt log, in order per user: a failing user holds only its own stream", async () => {
    let failures = 1;
    const answer: Answer = (request) => {
      if (userOf(request.json).firstName === "Bad" && failures > 0) {
        failures--;
        return new Response("tenant down", { status: 503 });
      }
      return new Response("ok");
    };
    receiver = startReceiver(answer);
    const tenant = await createTenant("post-order");
    await configure(tenant, POST_HOOKS);
    const bad = await createEntry(tenant, { first_name: "Bad", last_name: "One", email: "bad@corp.example" }, "User");
    await updateEntry(tenant, bad, { last_name: "Two" }, "User");
    await createEntry(tenant, { first_name: "Good", last_name: "Three", email: "good@corp.example" }, "User");
    await deliveryStub(tenant.id).pump(tenant.id);
    // The bad user's create failed and waits for its retry; its update waits behind it; the good user went ahead.
    expect(receiver.received.map((request) => [hookOf(request.url), userOf(request.json).firstName])).toEqual([
      ["postCreateUser", "Bad"],
      ["postCreateUser", "Good"],
    ]);
    await retryNow(tenant);
    await settle(tenant.id);
    expect(receiver.received.map((request) => [hookOf(request.url), userOf(request.json).firstName, userOf(request.json).lastName])).toEqual([
      ["postCreateUser", "Bad", "One"],
      ["postCreateUser", "Good", "Three"],
      ["postCreateUser", "Bad", "One"],
      ["postUpdateUser", "Bad", "Two"],
    ]);
    const [first] = (await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: Delivery[] }>()).items;
    const detail = await (await call(tenant.slug, `/api/v1/deliveries/${first!.id}`, { key: tenant.key })).json<{ status: string; attemptLog: { statusCode: number; responseExcerpt: string }[] }>();
    expect(detail.status).toBe("delivered");
    expect(detail.attemptLog.map((entry) => [entry.statusCode, entry.responseExcerpt])).toEqual([
      [503, "tenant down"],
      [200, "ok"],
    ]);
  });

  it("sends only enabled hooks, only for the User form; an AR subscription on User still gets its callbacks", async () => {
    // validateUser runs synchronously on the AR entry create, and answers as the seed does.
    receiver = startReceiver((request) => (hookOf(request.url) === "validateUser" ? Response.json({ response: {} }) : new Response("ok")));
    const tenant = await createTenant("post-enabled");
    await configure(tenant, ["runDeprovision", "validateUser"]);
    await subscribe(tenant, { url: `${receiver.url}/ar`, form: "User" });
    const id = await createEntry(tenant, { first_name: "Ann", email: "ann@corp.example" }, "User");
    await updateEntry(tenant, id, { first_name: "Anne" }, "User");
    await createEntry(tenant, { first_name: "Not a user" }, "Widget");
    await deleteEntry(tenant, id);
    await settle(tenant.id);
    const lifecycle = receiver.received.filter((request) => !request.url.endsWith("/ar"));
    expect(lifecycle.map((request) => hookOf(request.url))).toEqual(["validateUser", "runDeprovision"]);
    expect(receiver.received.filter((request) => request.url.endsWith("/ar")).map((request) => request.json.entry_event)).toEqual(["create", "update", "delete"]);
  });

  it("a tenant without lifecycle hooks gets no lifecycle deliveries", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("post-none");
    await createEntry(tenant, { first_name: "Ann" }, "User");
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(0);
    expect((await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: unknown[] }>()).items).toEqual([]);
  });

  it("never sends or stores a password: it is dropped from the user before the body is rendered", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("post-secret");
    await configure(tenant, POST_HOOKS);
    await createEntry(tenant, { first_name: "Ann", email: "ann@corp.example", password: "Welcome@123", passwordText: "Welcome@123" }, "User");
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).not.toContain("Welcome@123");
    const stored = await runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
      state.storage.sql.exec<{ body: string }>("SELECT body FROM deliveries").toArray(),
    );
    expect(JSON.stringify(stored)).not.toContain("Welcome@123");
    const attempts = await (await shardOf(tenant.id)).prepare("SELECT * FROM delivery_attempts WHERE tenant_id = ?").bind(tenant.id).all();
    expect(JSON.stringify(attempts.results)).not.toContain("post-token");
  });

  it("a hook disabled after the event was committed is skipped: what is still owed is not sent", async () => {
    // Deterministic order (the queue's own drain may start at any moment after the commit): the first attempt
    // is answered only after the tenant has turned the hook off, and fails; the retry must then be skipped.
    let tenant: TestTenant | undefined;
    receiver = startReceiver(async () => {
      await configure(tenant!, ["runDeprovision"]);
      return new Response("busy", { status: 503 });
    });
    tenant = await createTenant("post-disable");
    await configure(tenant, POST_HOOKS);
    await createEntry(tenant, { first_name: "Ann" }, "User");
    await waitFor(() => receiver!.received.length === 1);
    await retryNow(tenant);
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    const items = (await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: Delivery[] }>()).items;
    expect(items.map((item) => item.status)).toEqual(["skipped"]);
  });
});

describe("delivery store", () => {
  it("an object whose deliveries table predates the url column gets it, and keeps its rows", async () => {
    const stub = env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(`old-schema-${Date.now()}`));
    const columns = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE deliveries");
      sql.exec(`CREATE TABLE deliveries (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, subscription_id TEXT NOT NULL,
        stream_key TEXT NOT NULL, event_seq INTEGER NOT NULL, body TEXT NOT NULL, content_type TEXT NOT NULL, status TEXT NOT NULL,
        blocking INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_status INTEGER,
        last_error TEXT, replay_of TEXT, stream_order INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
      sql.exec("INSERT INTO deliveries (id, subscription_id, stream_key, event_seq, body, content_type, status, next_attempt_at, created_at, updated_at) VALUES ('msg_1_WBH1', 'WBH1', 'WBH1', 1, '{}', 'application/json', 'pending', 0, 0, 0)");
      const store = new DeliveryStore(sql);
      return { names: sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('deliveries')").toArray().map((row) => row.name), row: store.get("msg_1_WBH1") };
    });
    expect(columns.names).toContain("url");
    expect(columns.row).toMatchObject({ subscription_id: "WBH1", url: null });
  });
});

describe("planLifecycleDeliveries (pure)", () => {
  const event = { seq: 7, type: "create" as const, form: "User", recordId: "USR000000000001", data: { first_name: "Ann" }, changedFields: ["first_name"], createdAt: 0 };

  it("maps event types to post hooks; a merge that created the user is a create", () => {
    expect(["create", "update", "delete", "archive"].map((type) => postHookFor({ type: type as "create" }))).toEqual(["postCreateUser", "postUpdateUser", "runDeprovision", "runDeprovision"]);
    expect(postHookFor({ type: "merge", version: 1 })).toBe("postCreateUser");
    expect(postHookFor({ type: "merge", version: 3 })).toBe("postUpdateUser");
  });

  it("plans one delivery per enabled hook on the user's own stream", () => {
    const [planned] = planLifecycleDeliveries(event, { baseUrl: "https://h.example/webhook", enabled: ["postCreateUser"], createdAt: 0 });
    expect(planned).toMatchObject({ subscriptionId: "lifecycle", streamKey: "lifecycle|User|USR000000000001", eventSeq: 7, url: "https://h.example/webhook/postCreateUser" });
    expect(JSON.parse(planned!.body)).toMatchObject({ request: { user: { firstName: "Ann" } } });
    expect(planLifecycleDeliveries(event, { baseUrl: "https://h.example/webhook", enabled: ["postUpdateUser"], createdAt: 0 })).toEqual([]);
    expect(planLifecycleDeliveries({ ...event, form: "Widget" }, { baseUrl: "https://h.example/webhook", enabled: ["postCreateUser"], createdAt: 0 })).toEqual([]);
    expect(planLifecycleDeliveries(event, null)).toEqual([]);
    // An event committed before the configuration existed calls nothing (the engine may read it late).
    expect(planLifecycleDeliveries({ ...event, createdAt: 99 }, { baseUrl: "https://h.example/webhook", enabled: ["postCreateUser"], createdAt: 100 })).toEqual([]);
  });
});
