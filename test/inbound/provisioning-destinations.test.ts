import type { DestinationView } from "../../src/inbound/optimalcloud/provisioning-destinations";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, call, createApiKey, createTenant, envelope } from "../helpers";

const PATH = "/api/v1/provisioning-destinations";

type Destination = DestinationView;

describe("provisioning destinations API", () => {
  it("creates a destination (201) with a plugin_id and the three absolute HR webhook URLs", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, PATH, { key: tenant.key, json: { name: "Workday", type: "generic" } });
    expect(response.status).toBe(201);
    const destination = await response.json<Destination>();
    expect(destination).toMatchObject({ name: "Workday", type: "generic" });
    const base = `http://${tenant.slug}.${BASE_DOMAIN}/v5.0/mgmt/api/v1.0/webhooks/provisioning/${destination.plugin_id}`;
    expect(destination.webhooks).toEqual({ adduser: `${base}/adduser`, modifyuser: `${base}/modifyuser`, deleteuser: `${base}/deleteuser` });
  });

  it("lists and reads destinations; another tenant's plugin_id is 404", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    const created = await (await call(a.slug, PATH, { key: a.key, json: { name: "Paylocity", type: "paylocity" } })).json<Destination>();
    const list = await (await call(a.slug, PATH, { key: a.key })).json<{ items: Destination[] }>();
    expect(list.items.map((item) => item.plugin_id)).toEqual([created.plugin_id]);
    expect((await call(a.slug, `${PATH}/${created.plugin_id}`, { key: a.key })).status).toBe(200);
    expect((await call(b.slug, `${PATH}/${created.plugin_id}`, { key: b.key })).status).toBe(404);
    expect((await call(b.slug, `${PATH}/${created.plugin_id}`, { key: b.key, method: "DELETE" })).status).toBe(404);
    expect(((await (await call(b.slug, PATH, { key: b.key })).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it("deletes a destination: 204, then it is gone from the API (404)", async () => {
    const tenant = await createTenant();
    const created = await (await call(tenant.slug, PATH, { key: tenant.key, json: { name: "Old HR", type: "generic" } })).json<Destination>();
    expect((await call(tenant.slug, `${PATH}/${created.plugin_id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect((await call(tenant.slug, `${PATH}/${created.plugin_id}`, { key: tenant.key })).status).toBe(404);
    expect((await call(tenant.slug, `${PATH}/${created.plugin_id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
  });

  it.each([
    [{ name: "x", type: "workday" }, "type"],
    [{ type: "generic" }, "name"],
    [{ name: "", type: "generic" }, "name"],
  ])("rejects %j naming %s", async (json, field) => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, PATH, { key: tenant.key, json });
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.details?.map((detail) => detail.path)).toContain(field);
    expect(((await (await call(tenant.slug, PATH, { key: tenant.key })).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it("requires a key with the api scope: none 401, wrong tenant 401, hr-only 403", async () => {
    const tenant = await createTenant();
    const other = await createTenant("other");
    const hrOnly = await createApiKey(tenant.slug, ["hr"]);
    const json = { name: "x", type: "generic" };
    expect((await call(tenant.slug, PATH, { json })).status).toBe(401);
    expect((await call(tenant.slug, PATH, { key: other.key, json })).status).toBe(401);
    expect((await call(tenant.slug, PATH, { key: hrOnly.key, json })).status).toBe(403);
  });
});
