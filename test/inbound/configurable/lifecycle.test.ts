import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, envelope, type TestTenant } from "../../helpers";
import { startReceiver, type Receiver } from "../../delivery/harness";
import { createHook, deliver, expectNothingStored, recordData, type Received } from "./hook-helpers";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const hookOf = (url: string): string => url.split("/").pop()!;

async function configure(tenant: TestTenant, enabled: string[]) {
  const response = await call(tenant.slug, "/api/v1/lifecycle-hooks", {
    key: tenant.key,
    method: "PUT",
    json: { baseUrl: receiver!.url, token: "tenant-token", enabled },
  });
  expect(response.status).toBe(200);
}

const SECRET = "s3cret-value";
const userHook = (tenant: TestTenant, event = "create") =>
  createHook(tenant, { preset: "generic-header-secret", event, auth: { kind: "header_secret", secret: SECRET } });

describe("POST /hooks/{hookId}: the tenant's synchronous lifecycle hooks", () => {
  it("a create passes validateUser and preCreateUser; what they return is stored", async () => {
    receiver = startReceiver((request) => {
      const user = (request.json.request as { user: Record<string, unknown> }).user;
      return Response.json({ response: { data: hookOf(request.url) === "preCreateUser" ? { ...user, country: "India" } : user } });
    });
    const tenant = await createTenant();
    await configure(tenant, ["validateUser", "preCreateUser"]);
    const hook = await userHook(tenant);
    const response = await deliver(tenant, hook.id, JSON.stringify({ email: "ann@corp.example", first_name: "Ann", last_name: "Lee" }), { authorization: SECRET });
    expect(response.status).toBe(200);
    const result = await response.json<Received>();
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUser", "preCreateUser"]);
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toMatchObject({ email: "ann@corp.example", country: "India" });
  });

  it("a rejection is 422 HOOK_REJECTED and stores nothing", async () => {
    receiver = startReceiver(() => Response.json({ response: { error: true, message: "EmailAlreadyExist" } }));
    const tenant = await createTenant();
    await configure(tenant, ["validateUser"]);
    const hook = await userHook(tenant);
    const response = await deliver(tenant, hook.id, JSON.stringify({ email: "c@corp.example", first_name: "C" }), { authorization: SECRET });
    expect(response.status).toBe(422);
    expect((await envelope(response)).error).toMatchObject({ code: "HOOK_REJECTED", message: "EmailAlreadyExist" });
    await expectNothingStored(tenant);
  });

  it("an update that changes something runs validateUpdateUser with the user as it will be", async () => {
    receiver = startReceiver((request) => Response.json({ response: { data: (request.json.request as { user: unknown }).user } }));
    const tenant = await createTenant();
    const creator = await userHook(tenant);
    await deliver(tenant, creator.id, JSON.stringify({ email: "bo@corp.example", first_name: "Bo", last_name: "Ng" }), { authorization: SECRET });
    await configure(tenant, ["validateUpdateUser"]);
    const updater = await createHook(tenant, { preset: "generic-header-secret", event: "update", auth: { kind: "header_secret", secret: "other-secret" } });
    const send = () => deliver(tenant, updater.id, JSON.stringify({ email: "bo@corp.example", first_name: "Bob", last_name: "Ng" }), { authorization: "other-secret" });
    expect((await send()).status).toBe(200);
    expect(receiver.received.map((request) => hookOf(request.url))).toEqual(["validateUpdateUser"]);
    expect(JSON.stringify(receiver.received[0]!.json)).toContain("Bob");
    // The same data again changes nothing, so no hook is called.
    expect((await send()).status).toBe(200);
    expect(receiver.received).toHaveLength(1);
  });
});
