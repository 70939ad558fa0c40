import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, envelope } from "../helpers";
import { deliveryStub, listDeliveries, seqOf, settle, startReceiver, type Receiver } from "../delivery/harness";
import { archiveUser, configureHooks, createUser, hookOf, sealedPasswords, shardRowsText, waitFor } from "./user-harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const PASSWORD = "Welcome@123-unique-Zq9";
const path = (id: string) => `/api/v1/users/${id}/password`;

describe("POST /api/v1/users/{recordId}/password", () => {
  it("202, then changePassword through the engine with the password; sealed meanwhile, deleted once delivered", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pw");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const id = await createUser(tenant);
    const response = await call(tenant.slug, path(id), { key: tenant.key, json: { passwordText: PASSWORD } });
    expect(response.status).toBe(202);
    const { eventSeq } = await response.json<{ eventSeq: number }>();
    expect(await sealedPasswords(tenant.id)).toHaveLength(1);
    // The commit's own nudge wakes the engine: the test only waits.
    await waitFor(() => receiver!.received.length === 1);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["changePassword"]);
    const [sent] = receiver.received;
    expect(sent!.headers.get("authorization")).toBe("Bearer user-token");
    expect(seqOf(sent!)).toBe(eventSeq);
    expect(sent!.json).toEqual({
      request: {
        user: { assignedGroups: [], provisionedApps: {}, securityQuestion: {}, firstName: "Ann", lastName: "Lee", login: "ann@corp.example", userType: "Employee", email: "ann@corp.example" },
        passwordText: PASSWORD,
      },
    });
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
  });

  it("the password shows nowhere: deliveries, a delivery with its attempt log, the event feed, D1 rows, the engine's storage", async () => {
    // The receiver echoes what it got: its answer is not kept for a changePassword delivery either.
    receiver = startReceiver((request) => new Response(request.body, { status: 500 }));
    const tenant = await createTenant("pw-leak");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const id = await createUser(tenant);
    expect((await call(tenant.slug, path(id), { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
    // The first attempt fails (500) and is logged; the retry waits on the default schedule.
    await waitFor(() => receiver!.received.length >= 1);
    const [delivery] = await listDeliveries(tenant);
    await waitFor(async () => (await (await call(tenant.slug, `/api/v1/deliveries/${delivery!.id}`, { key: tenant.key })).json<{ attemptLog: unknown[] }>()).attemptLog.length > 0);
    const texts = [
      await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).text(),
      await (await call(tenant.slug, `/api/v1/deliveries/${delivery!.id}`, { key: tenant.key })).text(),
      await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).text(),
      await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).text(),
      await shardRowsText(tenant.id, ["events", "records", "delivery_attempts", "inbound_requests", "idempotency_keys"]),
      await runInDurableObject(deliveryStub(tenant.id), (_instance, state) => JSON.stringify(state.storage.sql.exec("SELECT * FROM deliveries").toArray())),
    ];
    expect(receiver.received[0]!.body).toContain(PASSWORD);
    for (const text of texts) expect(text).not.toContain(PASSWORD);
    // The stored event refers to the sealed secret instead.
    const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { type: string; data: { passwordRef: string } }[] }>();
    const event = feed.items.find((item) => item.type === "password")!;
    expect(event.data.passwordRef).toMatch(new RegExp(`^secret:${tenant.id}:lifecycle-password:`));
  });

  it("a dead-lettered changePassword deletes its sealed password too", async () => {
    receiver = startReceiver(() => new Response("gone", { status: 410 }));
    const tenant = await createTenant("pw-dead");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const id = await createUser(tenant);
    expect((await call(tenant.slug, path(id), { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
    await waitFor(() => receiver!.received.length >= 1);
    // 410 ends a lifecycle delivery at once (dead, like a disabled subscription's would be).
    await waitFor(async () => (await listDeliveries(tenant)).some((item) => item.status === "dead"));
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
  });

  it("with changePassword not enabled: 202, the change is an event, nothing is sealed or sent", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pw-off");
    await configureHooks(tenant, receiver, ["postUpdateUser"]);
    const id = await createUser(tenant);
    expect((await call(tenant.slug, path(id), { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
    expect(await sealedPasswords(tenant.id)).toEqual([]);
    await settle(tenant.id);
    expect(receiver.received).toEqual([]);
  });

  it("400 VALIDATION_FAILED for a bad body (and the password is not echoed); 404 unknown user; 409 RECORD_ARCHIVED", async () => {
    const tenant = await createTenant("pw-err");
    const id = await createUser(tenant);
    for (const json of [{}, { passwordText: "" }, { passwordText: 42 }, { password: PASSWORD }]) {
      const response = await call(tenant.slug, path(id), { key: tenant.key, json });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text).error.code).toBe("VALIDATION_FAILED");
      expect(text).not.toContain(PASSWORD);
    }
    const unknown = await call(tenant.slug, path("USR000000999999"), { key: tenant.key, json: { passwordText: PASSWORD } });
    expect(unknown.status).toBe(404);
    expect((await envelope(unknown)).error.code).toBe("NOT_FOUND");
    await archiveUser(tenant, id);
    const archived = await call(tenant.slug, path(id), { key: tenant.key, json: { passwordText: PASSWORD } });
    expect(archived.status).toBe(409);
    expect((await envelope(archived)).error.code).toBe("RECORD_ARCHIVED");
    expect(await shardRowsText(tenant.id, ["events"])).not.toContain('"password"');
  });

  it("needs the tenant's own key: none, a wrong one or another tenant's is 401; another tenant cannot reach the user", async () => {
    const a = await createTenant("pw-a");
    const b = await createTenant("pw-b");
    const id = await createUser(a);
    const json = { passwordText: PASSWORD };
    expect((await call(a.slug, path(id), { key: null, json })).status).toBe(401);
    expect((await call(a.slug, path(id), { key: "hg_live_wrong", json })).status).toBe(401);
    expect((await call(a.slug, path(id), { key: b.key, json })).status).toBe(401);
    expect((await call(b.slug, path(id), { key: b.key, json })).status).toBe(404);
    expect(await shardRowsText(a.id, ["events"])).not.toContain('"password"');
  });

  it("two racing password changes: both 202, both delivered, in commit order, each with its own password", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pw-race");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const id = await createUser(tenant);
    const passwords = ["first-Secret-1", "second-Secret-2"];
    const responses = await Promise.all(passwords.map((passwordText) => call(tenant.slug, path(id), { key: tenant.key, json: { passwordText } })));
    expect(responses.map((response) => response.status)).toEqual([202, 202]);
    const seqs = await Promise.all(responses.map(async (response) => (await response.json<{ eventSeq: number }>()).eventSeq));
    await waitFor(() => receiver!.received.length === 2);
    await settle(tenant.id, { wake: false });
    expect(receiver.received.map(seqOf)).toEqual([...seqs].sort((x, y) => x - y));
    const bySeq = new Map(seqs.map((seq, index) => [seq, passwords[index]]));
    for (const request of receiver.received) expect((request.json.request as { passwordText: string }).passwordText).toBe(bySeq.get(seqOf(request)));
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
  });
});
