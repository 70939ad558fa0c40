/** The AR entry API on the User form runs the tenant's synchronous lifecycle hooks, as the HR path does. */
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, shardOf, type TestTenant } from "../helpers";
import { createEntry, startReceiver, type Answer, type Receiver } from "../delivery/harness";
import { configureHooks, createUser, hookOf } from "./user-harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const SYNC = ["validateUser", "preCreateUser", "validateUpdateUser", "preUpdateUser"];

/** Echoes the user, unless `answers` says otherwise for a hook. */
const echo =
  (answers: Record<string, (user: Record<string, unknown>) => Response> = {}): Answer =>
  (request) => {
    const user = (request.json.request as { user: Record<string, unknown> }).user;
    return answers[hookOf(request.url)]?.(user) ?? Response.json({ response: { data: user } });
  };
const reject = (message: string) => () => Response.json({ response: { error: true, message } });

async function stored(tenant: TestTenant): Promise<{ id: string; data: Record<string, unknown> }[]> {
  const rows = await (await shardOf(tenant.id)).prepare("SELECT id, data FROM records WHERE tenant_id = ? AND form = 'User'").bind(tenant.id).all<{ id: string; data: string }>();
  return rows.results.map((row) => ({ id: row.id, data: JSON.parse(row.data) as Record<string, unknown> }));
}

const entry = (id = "") => `/api/arsys/v1.0/entry/User${id ? `/${id}` : ""}`;

describe("AR entry API on the User form: synchronous lifecycle hooks", () => {
  it("create runs validateUser then preCreateUser; what they return is stored", async () => {
    receiver = startReceiver(echo({ preCreateUser: (user) => Response.json({ response: { data: { ...user, firstName: "Anne", department: "Sales" } } }) }));
    const tenant = await createTenant("ar-sync");
    await configureHooks(tenant, receiver, SYNC);
    const id = await createUser(tenant);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUser", "preCreateUser"]);
    expect((await stored(tenant))[0]).toEqual({ id, data: { first_name: "Anne", last_name: "Lee", email: "ann@corp.example", department: "Sales" } });
  });

  it("a veto is AR's error array with 422, and nothing is stored (create, mergeEntry)", async () => {
    receiver = startReceiver(echo({ validateUser: reject("EmailAlreadyExist") }));
    const tenant = await createTenant("ar-veto");
    await configureHooks(tenant, receiver, SYNC);
    for (const path of [entry(), "/api/arsys/v1.0/mergeEntry/User"]) {
      const response = await call(tenant.slug, path, { key: tenant.key, json: { values: { first_name: "Ann", email: "ann@corp.example" } } });
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual([
        { messageType: "ERROR", messageText: "The change was rejected by the tenant's lifecycle hook", messageAppendedText: "EmailAlreadyExist (validateUser: EmailAlreadyExist)", messageNumber: 10000 },
      ]);
    }
    expect(await stored(tenant)).toEqual([]);
  });

  it("update (PUT and mergeEntry into a live user) runs validateUpdateUser then preUpdateUser on the whole user; a veto changes nothing", async () => {
    receiver = startReceiver(echo({ preUpdateUser: (user) => Response.json({ response: { data: { ...user, mobile: null, displayName: "Anne Lee" } } }) }));
    const tenant = await createTenant("ar-upd");
    await configureHooks(tenant, receiver, ["validateUpdateUser", "preUpdateUser"]);
    const id = await createUser(tenant, { first_name: "Ann", last_name: "Lee", email: "ann@corp.example", mobile: "+1 555 0100" });
    expect((await call(tenant.slug, entry(id), { key: tenant.key, method: "PUT", json: { values: { first_name: "Anne" } } })).status).toBe(204);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUpdateUser", "preUpdateUser"]);
    expect((receiver.received[0]!.json.request as { user: Record<string, unknown> }).user).toMatchObject({ firstName: "Anne", lastName: "Lee", mobile: "+1 555 0100" });
    expect((await stored(tenant))[0]!.data).toEqual({ first_name: "Anne", last_name: "Lee", email: "ann@corp.example", display_name: "Anne Lee" });

    const merged = await call(tenant.slug, "/api/arsys/v1.0/mergeEntry/User", { key: tenant.key, json: { values: { "Request ID": id, last_name: "Li" } } });
    expect(merged.status).toBe(201);
    expect(receiver.received.map((request) => hookOf(request.url)).slice(2)).toEqual(["validateUpdateUser", "preUpdateUser"]);
    expect((await stored(tenant))[0]!.data).toMatchObject({ last_name: "Li" });

    receiver.restore();
    receiver = startReceiver(echo({ validateUpdateUser: reject("MobileAlreadyExist") }));
    await configureHooks(tenant, receiver, ["validateUpdateUser", "preUpdateUser"]);
    const before = await stored(tenant);
    const vetoed = await call(tenant.slug, entry(id), { key: tenant.key, method: "PUT", json: { values: { mobile: "+1 555 0199" } } });
    expect(vetoed.status).toBe(422);
    expect((await vetoed.json<{ messageNumber: number }[]>())[0]!.messageNumber).toBe(10000);
    expect(await stored(tenant)).toEqual(before);
  });

  it("no call for other forms, an update that changes nothing, or a delete", async () => {
    receiver = startReceiver(echo());
    const tenant = await createTenant("ar-none");
    await configureHooks(tenant, receiver, SYNC);
    await createEntry(tenant, { first_name: "Ann" }, "Widget");
    expect(receiver.received).toEqual([]);
    const id = await createUser(tenant);
    receiver.received.length = 0;
    expect((await call(tenant.slug, entry(id), { key: tenant.key, method: "PUT", json: { values: { first_name: "Ann" } } })).status).toBe(204);
    expect((await call(tenant.slug, entry(id), { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(receiver.received.filter((request) => SYNC.includes(hookOf(request.url)))).toEqual([]);
  });
});
