/**
 * Issue 19 item 2, event-aware hooks: on a hook whose event is `auto` the preset decides per item from the
 * vendor's event (or the template, through its `event` output key) among create, update, archive and ignore.
 */
import { describe, expect, it } from "vitest";
import { call, countRows, createTenant, type TestTenant } from "../../helpers";
import { createHook, deliver, hmac, sampleBody, type Received } from "./hook-helpers";

const OKTA_SECRET = "okta-shared-secret-1";
const GITHUB_SECRET = "github-webhook-secret";
const USER = { id: "00u1xut1xsMGaw2p90g4", email: "john.doe@example.com" };

const oktaDelivery = (...eventTypes: string[]) => {
  const body = sampleBody("okta-event-hook") as { eventId: string; data: { events: { eventType: string }[] } };
  const [template] = body.data.events;
  body.eventId = crypto.randomUUID();
  body.data.events = eventTypes.map((eventType) => ({ ...structuredClone(template!), uuid: crypto.randomUUID(), eventType }));
  return JSON.stringify(body);
};

async function ok(response: Response): Promise<Received> {
  expect(response.status).toBe(200);
  return response.json<Received>();
}

/** Whether the record is archived (soft-deleted). */
async function isArchived(tenant: TestTenant, recordId: string): Promise<boolean> {
  const response = await call(tenant.slug, `/api/v1/records/User/${recordId}`, { key: tenant.key });
  expect(response.status).toBe(200);
  return (await response.json<{ deletedAt: string | null }>()).deletedAt !== null;
}

describe("auto hooks: the preset maps the vendor's events", () => {
  it("okta: user.lifecycle.create upserts, user.lifecycle.deactivate archives the user", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", event: "auto", auth: { kind: "header_secret", secret: OKTA_SECRET } });
    expect(hook.event).toBe("auto");
    const created = await ok(await deliver(tenant, hook.id, oktaDelivery("user.lifecycle.create"), { authorization: OKTA_SECRET }));
    expect(created.changes).toMatchObject([{ event: "create", syncKey: { name: "email", value: USER.email } }]);
    const recordId = created.changes[0]!.recordId;
    expect(await isArchived(tenant, recordId)).toBe(false);

    const archived = await ok(await deliver(tenant, hook.id, oktaDelivery("user.lifecycle.deactivate"), { authorization: OKTA_SECRET }));
    expect(archived.changes).toMatchObject([{ recordId, event: "archive" }]);
    expect(await isArchived(tenant, recordId)).toBe(true);
  });

  it("okta: an unmapped event is ignored (200, no change), next to mapped ones in the same delivery", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", event: "auto", auth: { kind: "header_secret", secret: OKTA_SECRET } });
    const ignored = await ok(await deliver(tenant, hook.id, oktaDelivery("user.session.start"), { authorization: OKTA_SECRET }));
    expect(ignored.changes).toEqual([]);
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await countRows("events", tenant.id)).toBe(0);

    const mixed = await ok(await deliver(tenant, hook.id, oktaDelivery("user.session.start", "user.lifecycle.activate"), { authorization: OKTA_SECRET }));
    expect(mixed.changes.map((change) => change.event)).toEqual(["create"]);
  });

  it("github: member_added upserts, member_removed archives, other organization actions are ignored", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", event: "auto", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const send = async (action: string) => {
      const body = JSON.stringify({ ...sampleBody("github"), action });
      return deliver(tenant, hook.id, body, {
        "X-GitHub-Event": "organization",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": `sha256=${await hmac("SHA-256", GITHUB_SECRET, body, "hex")}`,
      });
    };
    const added = await ok(await send("member_added"));
    expect(added.changes).toMatchObject([{ event: "create" }]);
    expect((await ok(await send("member_invited"))).changes).toEqual([]);
    const removed = await ok(await send("member_removed"));
    expect(removed.changes).toMatchObject([{ recordId: added.changes[0]!.recordId, event: "archive" }]);
    expect(await isArchived(tenant, added.changes[0]!.recordId)).toBe(true);
  });

  it("bamboohr-events: employee.created upserts by employee id, employee.deleted archives, others are ignored", async () => {
    const tenant = await createTenant();
    const secret = "bamboo-private-key-0123";
    const hook = await createHook(tenant, { preset: "bamboohr-events", event: "auto", auth: { kind: "hmac", secret } });
    const send = async (type: string) => {
      const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { companyId: "12345", employeeId: "67890", changedFields: [] } });
      const timestamp = String(Math.floor(Date.now() / 1000));
      return deliver(tenant, hook.id, body, { "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": await hmac("SHA-256", secret, `${body}${timestamp}`, "hex") });
    };
    const created = await ok(await send("employee.created"));
    expect(created.changes).toMatchObject([{ event: "create", syncKey: { name: "employee_id", value: "67890" } }]);
    expect((await ok(await send("employee.training.completed"))).changes).toEqual([]);
    const deleted = await ok(await send("employee.deleted"));
    expect(deleted.changes).toMatchObject([{ recordId: created.changes[0]!.recordId, event: "archive" }]);
    expect(await isArchived(tenant, created.changes[0]!.recordId)).toBe(true);
  });

  it("the dry run shows each item's action on an auto hook, ignored ones included, and stores nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", event: "auto", auth: { kind: "header_secret", secret: OKTA_SECRET } });
    const body = JSON.parse(oktaDelivery("user.lifecycle.create", "user.session.start", "user.lifecycle.deactivate")) as unknown;
    const response = await call(tenant.slug, `/api/v1/inbound-hooks/${hook.id}/dry-run`, { key: tenant.key, json: { body } });
    expect(response.status).toBe(200);
    const { items } = await response.json<{ items: { action: string; fields: Record<string, unknown>; syncKey: unknown }[] }>();
    expect(items.map((item) => item.action)).toEqual(["create", "ignore", "archive"]);
    expect(items[1]).toEqual({ action: "ignore", fields: {}, syncKey: null });
    expect(items[2]!.syncKey).toEqual({ name: "email", value: USER.email });
    expect(await countRows("records", tenant.id)).toBe(0);

    const fixed = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: OKTA_SECRET } });
    const fixedRun = await call(tenant.slug, `/api/v1/inbound-hooks/${fixed.id}/dry-run`, { key: tenant.key, json: { body } });
    expect((await fixedRun.json<{ items: { action: string }[] }>()).items.map((item) => item.action)).toEqual(["create", "create", "create"]);
  });

  it("a hook with a fixed event keeps it whatever the vendor's event", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: OKTA_SECRET } });
    const result = await ok(await deliver(tenant, hook.id, oktaDelivery("user.lifecycle.deactivate"), { authorization: OKTA_SECRET }));
    expect(result.changes).toMatchObject([{ event: "create" }]);
  });
});

describe("auto hooks: the template's event key", () => {
  it("overrides the preset and is not stored as a field; an unknown value is 400 TEMPLATE_FAILED", async () => {
    const tenant = await createTenant();
    const template = `{% set user = item.target | first %}{"email": {{ user.alternateId | tojson }}, "event": {{ ("create" if item.eventType == "user.lifecycle.deactivate" else "ignore") | tojson }}}`;
    const hook = await createHook(tenant, { preset: "okta-event-hook", event: "auto", template, auth: { kind: "header_secret", secret: OKTA_SECRET } });
    // The preset would archive a deactivated user and create an activated one; this template does the opposite.
    expect((await ok(await deliver(tenant, hook.id, oktaDelivery("user.lifecycle.activate"), { authorization: OKTA_SECRET }))).changes).toEqual([]);
    const result = await ok(await deliver(tenant, hook.id, oktaDelivery("user.lifecycle.deactivate"), { authorization: OKTA_SECRET }));
    expect(result.changes).toMatchObject([{ event: "create" }]);
    const data = (await (await call(tenant.slug, `/api/v1/records/User/${result.changes[0]!.recordId}`, { key: tenant.key })).json<{ data: Record<string, unknown> }>()).data;
    expect(data).toEqual({ email: USER.email });

    const bad = await createHook(tenant, {
      preset: "okta-event-hook",
      event: "auto",
      template: `{"email": "a@example.com", "event": "explode"}`,
      auth: { kind: "header_secret", secret: OKTA_SECRET },
    });
    const refused = await deliver(tenant, bad.id, oktaDelivery("user.lifecycle.create"), { authorization: OKTA_SECRET });
    expect(refused.status).toBe(400);
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe("TEMPLATE_FAILED");
  });
});
