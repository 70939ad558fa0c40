import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, envelope, shardOf, type TestTenant } from "../helpers";
import { seqOf, settle, startReceiver, type Answer, type Receiver } from "../delivery/harness";
import { archiveUser, configureHooks, createUser, hookOf, waitFor } from "./user-harness";
import { pruneCompletedProvisionings } from "../../src/lifecycle/provisioning-store";
import { database } from "../../src/db/client";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const PROVISIONING = {
  applicationId: "620231fee789224ec1cec3dd",
  roleList: ["reader"],
  action: "add",
  policyMap: { targetAttribute: "email", cymmetrifield: "email", defaultValue: "example@gmail.com", formVeriable: "" },
};
const provisioningPath = (id: string) => `/api/v1/users/${id}/provisioning`;
const resultPath = (id: string, provisioningId: string) => `${provisioningPath(id)}/${provisioningId}/result`;

/** Echoes the user for preProvision, maps the value for policyMap, accepts the rest; `answers` overrides per hook. */
const tenantHooks =
  (answers: Record<string, (request: Record<string, unknown>) => Response> = {}): Answer =>
  (request) => {
    const body = request.json.request as Record<string, unknown>;
    const hook = hookOf(request.url);
    if (answers[hook]) return answers[hook](body);
    if (hook === "policyMap") return Response.json({ response: { mappedValue: "valid" } });
    if (hook === "preProvision") return Response.json({ response: { data: body.user } });
    return Response.json({ response: {} });
  };

async function provisionings(tenant: TestTenant) {
  return (await (await shardOf(tenant.id)).prepare("SELECT * FROM provisionings WHERE tenant_id = ?").bind(tenant.id).all()).results;
}

async function provision(tenant: TestTenant, id: string, json: unknown = PROVISIONING): Promise<string> {
  const response = await call(tenant.slug, provisioningPath(id), { key: tenant.key, json });
  expect(response.status).toBe(201);
  return (await response.json<{ provisioningId: string }>()).provisioningId;
}

const ALL = ["policyMap", "preProvision", "postProvision"];

describe("POST /api/v1/users/{recordId}/provisioning", () => {
  it("policyMap then preProvision synchronously, 201 with an id; the result fires postProvision with isSuccess and uid", async () => {
    receiver = startReceiver(tenantHooks());
    const tenant = await createTenant("prov");
    await configureHooks(tenant, receiver, ALL);
    const id = await createUser(tenant);
    const provisioningId = await provision(tenant, id);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["policyMap", "preProvision"]);
    expect(receiver.received[0]!.json).toMatchObject({ request: { targetAttribute: "email", cymmetrifield: "email", defaultValue: "example@gmail.com", formVeriable: "" } });
    expect(receiver.received[1]!.json).toMatchObject({ request: { policyMap: "email", form: "", applicationId: PROVISIONING.applicationId, roleList: ["reader"], action: "Application Create" } });
    expect(await provisionings(tenant)).toMatchObject([{ id: provisioningId, record_id: id, action: "add", mapped_value: '"valid"', completed_at: null }]);

    const reported = await call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json: { isSuccess: true, uid: "5f36283bc193991db0990d3e" } });
    expect(reported.status).toBe(202);
    const { eventSeq } = await reported.json<{ eventSeq: number }>();
    // The commit's own nudge wakes the engine: the test only waits.
    await waitFor(() => receiver!.received.length === 3);
    const post = receiver.received[2]!;
    expect(hookOf(post.url)).toBe("postProvision");
    expect(seqOf(post)).toBe(eventSeq);
    expect(post.json).toMatchObject({ request: { applicationId: PROVISIONING.applicationId, action: "Application Create", isSuccess: true, uid: "5f36283bc193991db0990d3e", user: { firstName: "Ann" } } });
    expect(await provisionings(tenant)).toMatchObject([{ is_success: 1, uid: "5f36283bc193991db0990d3e" }]);
  });

  it("a veto from policyMap or preProvision is 422 HOOK_REJECTED with the tenant's message, and nothing is stored", async () => {
    for (const hook of ["policyMap", "preProvision"]) {
      receiver?.restore();
      receiver = startReceiver(tenantHooks({ [hook]: () => Response.json({ response: { error: true, message: `${hook} says no` } }) }));
      const tenant = await createTenant("prov-veto");
      await configureHooks(tenant, receiver, ALL);
      const id = await createUser(tenant);
      const response = await call(tenant.slug, provisioningPath(id), { key: tenant.key, json: PROVISIONING });
      expect(response.status).toBe(422);
      expect(await envelope(response)).toMatchObject({ error: { code: "HOOK_REJECTED", message: `${hook} says no` } });
      expect(await provisionings(tenant)).toEqual([]);
      const events = await (await shardOf(tenant.id)).prepare("SELECT type FROM events WHERE tenant_id = ?").bind(tenant.id).all<{ type: string }>();
      expect(events.results.map((event) => event.type)).toEqual(["create"]);
    }
  });

  it("preProvision's modified user is what the provisioning event stores; an unavailable hook under reject is 503", async () => {
    receiver = startReceiver(tenantHooks({ preProvision: (body) => Response.json({ response: { data: { ...(body.user as object), department: "Sales" } } }) }));
    const tenant = await createTenant("prov-mod");
    await configureHooks(tenant, receiver, ALL);
    const id = await createUser(tenant);
    await provision(tenant, id);
    const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { type: string; data: Record<string, unknown> }[] }>();
    expect(feed.items.find((item) => item.type === "provision")!.data).toMatchObject({ user: { department: "Sales", first_name: "Ann" }, mappedValue: "valid" });

    receiver.restore();
    receiver = startReceiver(() => new Response("down", { status: 500 }));
    const failing = await createTenant("prov-503");
    await configureHooks(failing, receiver, ALL);
    const user = await createUser(failing);
    const response = await call(failing.slug, provisioningPath(user), { key: failing.key, json: PROVISIONING });
    expect(response.status).toBe(503);
    expect((await envelope(response)).error.code).toBe("HOOK_UNAVAILABLE");
    expect(await provisionings(failing)).toEqual([]);
  });

  it("400 VALIDATION_FAILED for bad bodies; 404 for an unknown user or provisioning; 409 for an archived user and a second result", async () => {
    const tenant = await createTenant("prov-err");
    const id = await createUser(tenant);
    for (const json of [{}, { ...PROVISIONING, action: "grant" }, { ...PROVISIONING, applicationId: "" }, { ...PROVISIONING, roleList: "reader" }, { ...PROVISIONING, policyMap: "email" }]) {
      const response = await call(tenant.slug, provisioningPath(id), { key: tenant.key, json });
      expect(response.status).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
    const provisioningId = await provision(tenant, id);
    for (const json of [{}, { isSuccess: "yes", uid: "u" }, { uid: "u" }]) {
      const response = await call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json });
      expect(response.status).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
    const unknownUser = await call(tenant.slug, provisioningPath("USR000000999999"), { key: tenant.key, json: PROVISIONING });
    expect([unknownUser.status, (await envelope(unknownUser)).error.code]).toEqual([404, "NOT_FOUND"]);
    const unknownProvisioning = await call(tenant.slug, resultPath(id, "prv_unknown"), { key: tenant.key, json: { isSuccess: true, uid: "u" } });
    expect([unknownProvisioning.status, (await envelope(unknownProvisioning)).error.code]).toEqual([404, "NOT_FOUND"]);

    expect((await call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json: { isSuccess: false, uid: "" } })).status).toBe(202);
    const again = await call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json: { isSuccess: true, uid: "u" } });
    expect([again.status, (await envelope(again)).error.code]).toEqual([409, "CONFLICT"]);

    const pending = await provision(tenant, id);
    await archiveUser(tenant, id);
    const archived = await call(tenant.slug, provisioningPath(id), { key: tenant.key, json: PROVISIONING });
    expect([archived.status, (await envelope(archived)).error.code]).toEqual([409, "RECORD_ARCHIVED"]);
    const archivedResult = await call(tenant.slug, resultPath(id, pending), { key: tenant.key, json: { isSuccess: true, uid: "u" } });
    expect([archivedResult.status, (await envelope(archivedResult)).error.code]).toEqual([409, "RECORD_ARCHIVED"]);
    const rows = new Map((await provisionings(tenant)).map((row) => [row.id, row]));
    expect(rows.get(provisioningId)).toMatchObject({ is_success: 0, uid: "", completed_at: expect.any(Number) });
    expect(rows.get(pending)).toMatchObject({ completed_at: null });
  });

  it("needs the tenant's own key; another tenant reaches neither the user nor its provisioning", async () => {
    const a = await createTenant("prov-a");
    const b = await createTenant("prov-b");
    const id = await createUser(a);
    const provisioningId = await provision(a, id);
    for (const [slug, key] of [[a.slug, null], [a.slug, "hg_live_wrong"], [a.slug, b.key]] as const) {
      expect((await call(slug, provisioningPath(id), { key, json: PROVISIONING })).status).toBe(401);
      expect((await call(slug, resultPath(id, provisioningId), { key, json: { isSuccess: true, uid: "u" } })).status).toBe(401);
    }
    expect((await call(b.slug, provisioningPath(id), { key: b.key, json: PROVISIONING })).status).toBe(404);
    expect((await call(b.slug, resultPath(id, provisioningId), { key: b.key, json: { isSuccess: true, uid: "u" } })).status).toBe(404);
    expect(await provisionings(a)).toMatchObject([{ id: provisioningId, completed_at: null }]);
    expect(await provisionings(b)).toEqual([]);
  });

  it("two results racing for one provisioning: one 202, one 409, one postProvision", async () => {
    receiver = startReceiver(tenantHooks());
    const tenant = await createTenant("prov-race");
    await configureHooks(tenant, receiver, ["postProvision"]);
    const id = await createUser(tenant);
    const provisioningId = await provision(tenant, id);
    const responses = await Promise.all(
      [{ isSuccess: true, uid: "first" }, { isSuccess: false, uid: "second" }].map((json) => call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([202, 409]);
    const winner = responses.findIndex((response) => response.status === 202);
    await waitFor(() => receiver!.received.length === 1);
    await settle(tenant.id, { wake: false });
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["postProvision"]);
    expect((receiver.received[0]!.json.request as { uid: string }).uid).toBe(winner === 0 ? "first" : "second");
    const events = await (await shardOf(tenant.id)).prepare("SELECT type FROM events WHERE tenant_id = ? ORDER BY seq").bind(tenant.id).all<{ type: string }>();
    expect(events.results.map((event) => event.type)).toEqual(["create", "provision", "provision_result"]);
  });

  it("postProvision, changePassword and postUpdateUser of one user share its stream, in commit order", async () => {
    receiver = startReceiver(tenantHooks());
    const tenant = await createTenant("prov-order");
    await configureHooks(tenant, receiver, ["postUpdateUser", "changePassword", "postProvision"]);
    const id = await createUser(tenant);
    const provisioningId = await provision(tenant, id);
    expect((await call(tenant.slug, `/api/v1/users/${id}/password`, { key: tenant.key, json: { passwordText: "pw-1" } })).status).toBe(202);
    expect((await call(tenant.slug, `/api/arsys/v1.0/entry/User/${id}`, { key: tenant.key, method: "PUT", json: { values: { first_name: "Anne" } } })).status).toBe(204);
    expect((await call(tenant.slug, resultPath(id, provisioningId), { key: tenant.key, json: { isSuccess: true, uid: "u" } })).status).toBe(202);
    await waitFor(() => receiver!.received.length === 3);
    await settle(tenant.id, { wake: false });
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["changePassword", "postUpdateUser", "postProvision"]);
    const seqs = receiver.received.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect((receiver.received[2]!.json.request as { user: Record<string, unknown> }).user.firstName).toBe("Anne");
  });

  it("retention deletes completed provisionings past the cut-off; one still waiting for its result stays", async () => {
    const tenant = await createTenant("prov-retention");
    const id = await createUser(tenant);
    const done = await provision(tenant, id);
    const open = await provision(tenant, id);
    expect((await call(tenant.slug, resultPath(id, done), { key: tenant.key, json: { isSuccess: true, uid: "u" } })).status).toBe(202);
    const shard = database(await shardOf(tenant.id));
    expect(await pruneCompletedProvisionings(shard, { tenantId: tenant.id, before: Date.now() - 60_000, limit: 10 })).toBe(0);
    expect(await pruneCompletedProvisionings(shard, { tenantId: tenant.id, before: Date.now() + 1, limit: 10 })).toBe(1);
    expect((await provisionings(tenant)).map((row) => row.id)).toEqual([open]);
  });
});
