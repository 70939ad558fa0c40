import { describe, expect, it } from "vitest";
import { call, createTenant } from "../../helpers";
import { HOOKS } from "./hook-helpers";

interface PresetView {
  id: string;
  auth: { kind: string; headerName?: string; algorithm?: string; encoding?: string; prefix?: string; description: string };
  event: string;
  form: string;
  template: string;
  syncKeys: string[];
  sample: { headers: Record<string, string>; body: unknown };
}

describe("GET /api/v1/inbound-hooks/presets", () => {
  it("lists every required preset with auth details, default event, template and sync keys", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, `${HOOKS}/presets`, { key: tenant.key });
    expect(response.status).toBe(200);
    const { items } = await response.json<{ items: PresetView[] }>();
    expect(items.map((preset) => preset.id).sort()).toEqual(
      ["azure-ad", "bamboohr", "bamboohr-events", "generic-header-secret", "generic-hmac", "github", "okta-event-hook", "standard-webhooks", "workday"].sort(),
    );
    for (const preset of items) {
      expect(["header_secret", "hmac", "standard_webhooks"]).toContain(preset.auth.kind);
      expect(preset.auth.description.length).toBeGreaterThan(0);
      expect(["create", "update", "archive"]).toContain(preset.event);
      expect(preset.template).toContain("tojson");
      expect(preset.syncKeys.length).toBeGreaterThan(0);
      if (preset.auth.kind === "hmac") {
        expect(preset.auth).toMatchObject({ algorithm: expect.any(String), encoding: expect.any(String), headerName: expect.any(String) });
      }
    }
    expect(items.find((preset) => preset.id === "github")!.auth).toMatchObject({
      kind: "hmac",
      headerName: "X-Hub-Signature-256",
      algorithm: "sha256",
      encoding: "hex",
      prefix: "sha256=",
    });
    expect(items.find((preset) => preset.id === "okta-event-hook")!.auth).toMatchObject({ kind: "header_secret", headerName: "Authorization" });
  });

  it("needs the tenant's API key", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    expect((await call(tenant.slug, `${HOOKS}/presets`)).status).toBe(401);
    expect((await call(tenant.slug, `${HOOKS}/presets`, { key: other.key })).status).toBe(401);
  });
});
