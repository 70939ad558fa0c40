/**
 * URLs handed to a caller are in the form it used: through `/t/{tenant}` it gets `/t/{tenant}` URLs on the same
 * origin, through the tenant's host it gets host URLs; PUBLIC_BASE_URL overrides both (and names deliveries' links).
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, SEED_TICKET, TICKET_PATH, createTenant, requestInit, type CallOptions } from "../helpers";
import { publicTenantBaseUrl } from "../../src/tenancy/tenant-url";
import type { Config } from "../../src/runtime/env";

/** Calls a tenant route through the path prefix, on the bare base domain. */
const viaPath = (slug: string, path: string, options: CallOptions) => SELF.fetch(`http://${BASE_DOMAIN}/t/${slug}${path}`, requestInit(options));

describe("URLs for a caller that came through /t/{tenant}", () => {
  it("Location of an AR entry and an AR webhook, a ticket's url, a hook's url and provisioning webhooks are /t/ URLs", async () => {
    const tenant = await createTenant("path-urls");
    const base = `http://${BASE_DOMAIN}/t/${tenant.slug}`;

    const entry = await viaPath(tenant.slug, "/api/arsys/v1.0/entry/Widget", { key: tenant.key, json: { values: { a: 1 } } });
    expect(entry.headers.get("location")).toMatch(new RegExp(`^${base}/api/arsys/v1\\.0/entry/Widget/\\d{15}$`));

    const webhook = await viaPath(tenant.slug, "/api/arsys/v1.0/webhook", {
      key: tenant.key,
      json: { form_name: "Widget", entry_events: ["create"], callback: { url: "https://example.com/cb", authentication: { type: "NO_AUTH" } } },
    });
    expect(webhook.status).toBe(201);
    expect(webhook.headers.get("location")).toMatch(new RegExp(`^${base}/api/arsys/v1\\.0/webhook/`));

    const ticket = await viaPath(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET });
    expect(ticket.status).toBe(201);
    expect((await ticket.json<{ url: string }>()).url).toMatch(new RegExp(`^${base}/api/v1/records/Ticket/`));

    const hook = await viaPath(tenant.slug, "/api/v1/inbound-hooks", { key: tenant.key, json: { name: "okta", preset: "okta-event-hook" } });
    expect(hook.status).toBe(201);
    const hookView = await hook.json<{ id: string; url: string }>();
    expect(hookView.url).toBe(`${base}/hooks/${hookView.id}`);

    const destination = await viaPath(tenant.slug, "/api/v1/provisioning-destinations", { key: tenant.key, json: { name: "Workday", type: "generic" } });
    const webhooks = (await destination.json<{ webhooks: Record<string, string> }>()).webhooks;
    expect(Object.values(webhooks).every((url) => url.startsWith(`${base}/v5.0/mgmt/api/v1.0/webhooks/provisioning/`))).toBe(true);
  });

  it("a caller through the tenant's host keeps getting host URLs", async () => {
    const tenant = await createTenant("host-urls");
    const entry = await SELF.fetch(`http://${tenant.slug}.${BASE_DOMAIN}/api/arsys/v1.0/entry/Widget`, requestInit({ key: tenant.key, json: { values: {} } }));
    expect(entry.headers.get("location")).toMatch(new RegExp(`^http://${tenant.slug}\\.${BASE_DOMAIN.replace(".", "\\.")}/api/arsys/`));
  });
});

describe("publicTenantBaseUrl (no request: deliveries' links)", () => {
  const config = (overrides: Partial<Config>) => ({ BASE_DOMAIN: "example.com", httpsOnly: true, ...overrides }) as Config;

  it("is the tenant's host without PUBLIC_BASE_URL, https in production", () => {
    expect(publicTenantBaseUrl(config({}), "acme")).toBe("https://acme.example.com");
    expect(publicTenantBaseUrl(config({ httpsOnly: false }), "acme")).toBe("http://acme.example.com");
  });

  it("fills {tenant} in PUBLIC_BASE_URL, or appends /t/{tenant} when it has none", () => {
    expect(publicTenantBaseUrl(config({ PUBLIC_BASE_URL: "https://{tenant}.hooks.example.net" }), "acme")).toBe("https://acme.hooks.example.net");
    expect(publicTenantBaseUrl(config({ PUBLIC_BASE_URL: "http://127.0.0.1:8787" }), "acme")).toBe("http://127.0.0.1:8787/t/acme");
  });
});
