import { afterEach, describe, expect, it } from "vitest";
import { call, countRows, createTenant, envelope, type TestTenant, waitForInboundLog } from "../helpers";
import { startReceiver, type Receiver } from "../delivery/harness";

const USER = { employee_id: "7", first_name: "Grace", last_name: "Hopper", email: "grace@example.com" };
let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

async function setup(enabled: string[], onTimeout: "reject" | "allow" = "reject"): Promise<{ tenant: TestTenant; adduser: string; modifyuser: string }> {
  const tenant = await createTenant("hrlc");
  const hooks = await call(tenant.slug, "/api/v1/lifecycle-hooks", {
    key: tenant.key,
    method: "PUT",
    json: { baseUrl: receiver!.url, token: "tenant-token", enabled, timeoutMs: 200, onTimeout },
  });
  expect(hooks.status).toBe(200);
  const destination = await (await call(tenant.slug, "/api/v1/provisioning-destinations", { key: tenant.key, json: { name: "HR", type: "generic" } })).json<{
    webhooks: { adduser: string; modifyuser: string };
  }>();
  return { tenant, adduser: new URL(destination.webhooks.adduser).pathname, modifyuser: new URL(destination.webhooks.modifyuser).pathname };
}

describe("HR webhooks call the tenant's synchronous lifecycle hooks before committing", () => {
  it("adduser: validateUser then preCreateUser; a modified user is what gets stored", async () => {
    receiver = startReceiver((request) => {
      const user = (request.json.request as { user: Record<string, unknown> }).user;
      const modified = request.url.endsWith("/preCreateUser") ? { ...user, mobile: "+1 555 0199" } : user;
      return Response.json({ response: { data: modified } });
    });
    const { tenant, adduser } = await setup(["validateUser", "preCreateUser"]);
    const response = await call(tenant.slug, adduser, { key: tenant.key, json: USER });
    expect(response.status).toBe(201);
    expect(receiver.received.map((request) => new URL(request.url).pathname.split("/").pop())).toEqual(["validateUser", "preCreateUser"]);
    expect(receiver.received[0]!.headers.get("authorization")).toBe("Bearer tenant-token");
    const { url } = await response.json<{ url: string }>();
    const record = await (await call(tenant.slug, new URL(url).pathname, { key: tenant.key })).json<{ data: Record<string, unknown> }>();
    expect(record.data).toMatchObject({ first_name: "Grace", mobile: "+1 555 0199" });
  });

  it("a rejection is 422 HOOK_REJECTED with the tenant's message, and nothing is stored", async () => {
    receiver = startReceiver(() => Response.json({ response: { error: true, message: "EmailAlreadyExist" } }));
    const { tenant, adduser } = await setup(["validateUser"]);
    const response = await call(tenant.slug, adduser, { key: tenant.key, json: USER });
    expect(response.status).toBe(422);
    const body = await envelope(response);
    expect(body.error).toMatchObject({ code: "HOOK_REJECTED", message: "EmailAlreadyExist" });
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await countRows("events", tenant.id)).toBe(0);
  });

  it("modifyuser: validateUpdateUser sees the user as it will be; a rejection leaves the record unchanged", async () => {
    let reject = false;
    receiver = startReceiver((request) =>
      reject ? Response.json({ response: { error: true, message: "Not allowed" } }) : Response.json({ response: { data: (request.json.request as { user: unknown }).user } }),
    );
    const { tenant, adduser, modifyuser } = await setup(["validateUpdateUser"]);
    await call(tenant.slug, adduser, { key: tenant.key, json: USER });
    const ok = await call(tenant.slug, modifyuser, { key: tenant.key, json: { employee_id: "7", email: "g.hopper@example.com" } });
    expect(ok.status).toBe(201);
    expect(((receiver.received[0]!.json.request as { user: Record<string, unknown> }).user).email).toBe("g.hopper@example.com");
    reject = true;
    const refused = await call(tenant.slug, modifyuser, { key: tenant.key, json: { employee_id: "7", email: "other@example.com" } });
    expect(refused.status).toBe(422);
    expect(await countRows("events", tenant.id)).toBe(2);
  });

  it("a timeout follows onTimeout: reject → 503 HOOK_UNAVAILABLE and nothing stored; allow → stored with a warning", async () => {
    receiver = startReceiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return Response.json({ response: { data: {} } });
    });
    const strict = await setup(["validateUser"], "reject");
    const refused = await call(strict.tenant.slug, strict.adduser, { key: strict.tenant.key, json: USER });
    expect(refused.status).toBe(503);
    const requestId = refused.headers.get("x-request-id")!;
    const body = await envelope(refused);
    expect(body.error.code).toBe("HOOK_UNAVAILABLE");
    // The vendor is not told why the tenant's hook failed; the tenant's inbound log is.
    expect(JSON.stringify(body)).not.toMatch(/timed out/);
    expect((await waitForInboundLog(strict.tenant.id, requestId)).error).toMatch(/validateUser timed out after/);
    expect(await countRows("records", strict.tenant.id)).toBe(0);

    const lenient = await setup(["validateUser"], "allow");
    const allowed = await call(lenient.tenant.slug, lenient.adduser, { key: lenient.tenant.key, json: USER });
    expect(allowed.status).toBe(201);
    expect((await allowed.json<{ warnings: { hook: string }[] }>()).warnings).toEqual([expect.objectContaining({ hook: "validateUser" })]);
  });
});
