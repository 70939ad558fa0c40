/** The AR webhook's Hookgate extensions `rate_limit_per_second` and `disable_after_failing_hours` (issue 20, items 2 and 3). */
import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";

const BASE = "/api/arsys/v1.0/webhook";
const REGISTRATION = {
  description: "throttled",
  form_name: "HPD:Help Desk",
  entry_events: ["create", "update"],
  callback: { url: "https://receiver.example/throttled", authentication: { type: "NO_AUTH" } },
  payload_fields: ["Status"],
};

interface ArMessage {
  messageType: string;
  messageAppendedText: string;
}

async function register(tenant: TestTenant, json: unknown): Promise<{ response: Response; id: string }> {
  const response = await call(tenant.slug, BASE, { key: tenant.key, json });
  return { response, id: (response.headers.get("location") ?? "").split("/").pop() ?? "" };
}
const read = async (tenant: TestTenant, id: string) => (await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key })).json<Record<string, unknown>>();
const put = (tenant: TestTenant, id: string, json: unknown, key = tenant.key) => call(tenant.slug, `${BASE}/${id}`, { key, method: "PUT", json });
const settings = (view: Record<string, unknown>) => ({ rate: view.rate_limit_per_second, hours: view.disable_after_failing_hours });

describe("AR webhook rate_limit_per_second and disable_after_failing_hours", () => {
  it("POST stores them and GET echoes them; left out, GET shows unlimited and the default 120 hours", async () => {
    const tenant = await createTenant("ar-rate");
    const { response, id } = await register(tenant, { ...REGISTRATION, rate_limit_per_second: 5, disable_after_failing_hours: 24 });
    expect(response.status).toBe(201);
    expect(settings(await read(tenant, id))).toEqual({ rate: 5, hours: 24 });
    const plain = await register(tenant, { ...REGISTRATION, entry_events: ["delete"] });
    expect(settings(await read(tenant, plain.id))).toEqual({ rate: null, hours: 120 });
  });

  it("a PUT that leaves them out keeps them; new values replace them; null clears (unlimited, and back to 120 hours)", async () => {
    const tenant = await createTenant("ar-rate-put");
    const { id } = await register(tenant, { ...REGISTRATION, rate_limit_per_second: 5, disable_after_failing_hours: 0 });
    expect((await put(tenant, id, { ...REGISTRATION, description: "AR client edit" })).status).toBe(204);
    expect(await read(tenant, id)).toMatchObject({ description: "AR client edit", rate_limit_per_second: 5, disable_after_failing_hours: 0 });
    expect((await put(tenant, id, { ...REGISTRATION, rate_limit_per_second: 1000, disable_after_failing_hours: 8760 })).status).toBe(204);
    expect(settings(await read(tenant, id))).toEqual({ rate: 1000, hours: 8760 });
    expect((await put(tenant, id, { ...REGISTRATION, rate_limit_per_second: null, disable_after_failing_hours: null })).status).toBe(204);
    expect(settings(await read(tenant, id))).toEqual({ rate: null, hours: 120 });
    // What GET answers can be sent back as it is.
    expect((await put(tenant, id, await read(tenant, id))).status).toBe(204);
    expect(settings(await read(tenant, id))).toEqual({ rate: null, hours: 120 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a rate of 0", { rate_limit_per_second: 0 }, "rate_limit_per_second"],
    ["a rate over 1000", { rate_limit_per_second: 1001 }, "rate_limit_per_second"],
    ["a fractional rate", { rate_limit_per_second: 2.5 }, "rate_limit_per_second"],
    ["a rate as text", { rate_limit_per_second: "5" }, "rate_limit_per_second"],
    ["negative hours", { disable_after_failing_hours: -1 }, "disable_after_failing_hours"],
    ["hours over a year", { disable_after_failing_hours: 8761 }, "disable_after_failing_hours"],
    ["fractional hours", { disable_after_failing_hours: 1.5 }, "disable_after_failing_hours"],
  ])("%s is 400 in AR's error array naming the field, and changes nothing", async (_, fields, name) => {
    const tenant = await createTenant("ar-rate-bad");
    const created = await register(tenant, { ...REGISTRATION, ...fields });
    expect(created.response.status).toBe(400);
    const [message] = await created.response.json<ArMessage[]>();
    expect(message).toMatchObject({ messageType: "ERROR" });
    expect(message!.messageAppendedText).toContain(name);
    expect(await (await call(tenant.slug, BASE, { key: tenant.key })).json<{ entries: unknown[] }>()).toMatchObject({ entries: [] });

    const { id } = await register(tenant, { ...REGISTRATION, rate_limit_per_second: 7, disable_after_failing_hours: 48 });
    const refused = await put(tenant, id, { ...REGISTRATION, description: "changed", ...fields });
    expect(refused.status).toBe(400);
    expect(await read(tenant, id)).toMatchObject({ description: "throttled", rate_limit_per_second: 7, disable_after_failing_hours: 48 });
  });

  it("another tenant's key cannot set them (404), and no key is 401", async () => {
    const tenant = await createTenant("ar-rate-own");
    const other = await createTenant("ar-rate-other");
    const { id } = await register(tenant, { ...REGISTRATION, rate_limit_per_second: 3 });
    expect((await call(other.slug, `${BASE}/${id}`, { key: other.key, method: "PUT", json: { ...REGISTRATION, rate_limit_per_second: 9 } })).status).toBe(404);
    expect((await call(tenant.slug, `${BASE}/${id}`, { method: "PUT", json: { ...REGISTRATION, rate_limit_per_second: 9 } })).status).toBe(401);
    expect(settings(await read(tenant, id))).toEqual({ rate: 3, hours: 120 });
  });

  it("two PUTs racing with different values: both succeed and one of them is stored whole", async () => {
    const tenant = await createTenant("ar-rate-race");
    const { id } = await register(tenant, REGISTRATION);
    const [a, b] = await Promise.all([
      put(tenant, id, { ...REGISTRATION, rate_limit_per_second: 10, disable_after_failing_hours: 1 }),
      put(tenant, id, { ...REGISTRATION, rate_limit_per_second: 20, disable_after_failing_hours: 2 }),
    ]);
    expect([a.status, b.status]).toEqual([204, 204]);
    expect([
      { rate: 10, hours: 1 },
      { rate: 20, hours: 2 },
    ]).toContainEqual(settings(await read(tenant, id)));
  });
});
