import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, call, countRows, createTenant, envelope, waitForAnonymousLog, waitForInboundLog, type TestTenant, shardOf } from "../../helpers";
import { createHook, deliver, expectNothingStored, hmac, recordData, sampleBody, standardWebhookHeaders, type Received } from "./hook-helpers";

const OKTA_SECRET = "okta-shared-secret-1";

async function oktaHook(tenant: TestTenant, extra: Record<string, unknown> = {}) {
  return createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: OKTA_SECRET }, ...extra });
}

const oktaEvent = (eventType: string, user: { id: string; email: string; name?: string }) => ({
  uuid: crypto.randomUUID(),
  published: "2024-08-09T14:22:31.342Z",
  eventType,
  version: "0",
  displayMessage: eventType,
  severity: "INFO",
  actor: { id: "00uadmin", type: "User", alternateId: "admin@example.com", displayName: "Admin" },
  target: [{ id: user.id, type: "User", alternateId: user.email, displayName: user.name ?? "Someone" }],
});

const oktaDelivery = (events: unknown[], eventId: string = crypto.randomUUID()) => {
  const body = sampleBody("okta-event-hook");
  body.eventId = eventId;
  body.data = { events };
  return JSON.stringify(body);
};

async function received(response: Response): Promise<Received> {
  expect(response.status).toBe(200);
  return response.json<Received>();
}

describe("POST /hooks/{hookId}: each preset's documented sample, signed, is accepted and mapped", () => {
  it("okta-event-hook: header secret; each data.events[] item becomes a User record", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const body = JSON.stringify(sampleBody("okta-event-hook"));
    const result = await received(await deliver(tenant, hook.id, body, { authorization: OKTA_SECRET }));
    expect(result).toMatchObject({ hookId: hook.id, eventId: "b5a188b9-5ece-4636-b041-482ffda96311", replayed: false });
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ form: "User", event: "create", syncKey: { name: "email", value: "john.doe@example.com" } });
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      email: "john.doe@example.com",
      okta_id: "00u1xut1xsMGaw2p90g4",
      display_name: "John Doe",
      okta_event_type: "user.lifecycle.create",
    });
    const event = await (await shardOf(tenant.id)).prepare("SELECT * FROM events WHERE tenant_id = ? AND seq = ?").bind(tenant.id, result.changes[0]!.eventSeq).first<Record<string, unknown>>();
    expect(event).toMatchObject({ tenant_id: tenant.id, form: "User", type: "create", source: `inbound_hook:${hook.id}` });
  });

  it("azure-ad: Event Grid delivery header; the Graph user id is the sync key", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "azure-ad", auth: { kind: "header_secret", secret: "event-grid-secret" } });
    const result = await received(await deliver(tenant, hook.id, JSON.stringify(sampleBody("azure-ad")), { authorization: "event-grid-secret" }));
    expect(result.eventId).toBe("8ec4a2d8-3f3c-4e3e-b0d4-6d2f52a1c0b7");
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      azure_object_id: "7c5b1d1a-2b34-4c2e-9d8f-1a2b3c4d5e6f",
      azure_tenant_id: "bb8775a4-4d8c-42cf-a1d4-4d58c2bb668f",
      azure_change_type: "updated",
    });
  });

  it("bamboohr: HMAC-SHA256 hex of body + X-BambooHR-Timestamp", async () => {
    const tenant = await createTenant();
    const secret = "bamboo-private-key-0123";
    const hook = await createHook(tenant, { preset: "bamboohr", auth: { kind: "hmac", secret } });
    const body = JSON.stringify(sampleBody("bamboohr"));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await hmac("SHA-256", secret, body + timestamp, "hex");
    const result = await received(await deliver(tenant, hook.id, body, { "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": signature }));
    expect(result.changes[0]!.syncKey).toEqual({ name: "employee_id", value: "4" });
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      employee_id: "4",
      email: "cabbott@efficientoffice.com",
      first_name: "Charlotte",
      last_name: "Abbott",
      department: "Sales",
      job_title: "Sales Manager",
    });
    // The timestamp is part of what is signed: another timestamp with the same signature fails.
    const replayedElsewhere = await deliver(tenant, hook.id, body, { "x-bamboohr-timestamp": String(Number(timestamp) + 1), "x-bamboohr-signature": signature });
    expect(replayedElsewhere.status).toBe(401);
  });

  it("workday: header secret; the worker's fields", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "workday", auth: { kind: "header_secret", secret: "workday-isu-secret" } });
    const result = await received(await deliver(tenant, hook.id, JSON.stringify(sampleBody("workday")), { authorization: "workday-isu-secret" }));
    expect(result.eventId).toBe("BP-HIRE-000123");
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      employee_id: "21001",
      email: "logan.mcneil@workday.net",
      first_name: "Logan",
      last_name: "McNeil",
      job_title: "Chief Executive Officer",
      department: "Global Modern Services",
      workday_event: "Hire",
    });
  });

  it("github: X-Hub-Signature-256 sha256=<hex>; X-GitHub-Delivery is the event id", async () => {
    const tenant = await createTenant();
    const secret = "github-webhook-secret";
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret } });
    const body = JSON.stringify(sampleBody("github"));
    const result = await received(
      await deliver(tenant, hook.id, body, {
        "x-github-event": "organization",
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "x-hub-signature-256": `sha256=${await hmac("SHA-256", secret, body, "hex")}`,
      }),
    );
    expect(result.eventId).toBe("72d3162e-cc78-11e3-81ab-4c9367dc0958");
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      github_id: "583231",
      github_login: "octocat",
      github_org: "octo-org",
      github_role: "member",
      github_state: "active",
    });
  });

  it("standard-webhooks: webhook-id/timestamp/signature, several signatures offered", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "standard-webhooks" });
    const body = JSON.stringify(sampleBody("standard-webhooks"));
    const headers = await standardWebhookHeaders(hook.auth.secret, body, { id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" });
    // A rotated-out signature first, the valid one second.
    headers["webhook-signature"] = `v1,${btoa("x".repeat(32))} ${headers["webhook-signature"]}`;
    const result = await received(await deliver(tenant, hook.id, body, headers));
    expect(result.eventId).toBe("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({
      email: "jane.roe@example.com",
      external_id: "usr_1234",
      first_name: "Jane",
      last_name: "Roe",
    });
  });

  it("generic-hmac: the hook's own algorithm, encoding and prefix", async () => {
    const tenant = await createTenant();
    const secret = "home-made-secret-42";
    const hook = await createHook(tenant, { preset: "generic-hmac", auth: { kind: "hmac", headerName: "X-Sig", algorithm: "sha512", encoding: "base64", prefix: "v1=", secret } });
    const body = JSON.stringify(sampleBody("generic-hmac"));
    const signature = `v1=${await hmac("SHA-512", secret, body, "base64")}`;
    const result = await received(await deliver(tenant, hook.id, body, { "x-sig": signature }));
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toEqual({ email: "sam.lee@example.com", first_name: "Sam", last_name: "Lee" });
    // sha256 over the same body does not pass a sha512 hook.
    const wrongAlgorithm = await deliver(tenant, hook.id, body, { "x-sig": `v1=${await hmac("SHA-256", secret, body, "base64")}` });
    expect(wrongAlgorithm.status).toBe(401);
  });

  it("generic-header-secret: the generated secret in the configured header", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", headerName: "X-Hook-Token" } });
    const result = await received(await deliver(tenant, hook.id, JSON.stringify(sampleBody("generic-header-secret")), { "x-hook-token": hook.auth.secret }));
    expect(result.changes[0]).toMatchObject({ event: "create", syncKey: { name: "email", value: "sam.lee@example.com" } });
  });
});

describe("POST /hooks/{hookId}: failed verification is 401, logged with its cause, and stores nothing", () => {
  it("a tampered body under a GitHub signature", async () => {
    const tenant = await createTenant();
    const secret = "github-webhook-secret";
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret } });
    const body = JSON.stringify(sampleBody("github"));
    const signature = `sha256=${await hmac("SHA-256", secret, body, "hex")}`;
    const response = await deliver(tenant, hook.id, body.replace("octocat", "mallory"), { "x-hub-signature-256": signature, "x-github-delivery": "d-1" });
    expect(response.status).toBe(401);
    const error = await envelope(response);
    expect(error.error.code).toBe("SIGNATURE_INVALID");
    // Not authenticated: counted in the log's row for this outcome and minute, not logged as its own row.
    const [log] = await waitForAnonymousLog(tenant.id, { status: 401, code: "SIGNATURE_INVALID" });
    expect(log).toMatchObject({ status: 401, code: "SIGNATURE_INVALID", source: "inbound_hook", count: 1 });
    expect(log!.error).toMatch(/does not match/);
    await expectNothingStored(tenant);
  });

  const cases: [string, (secret: string, body: string) => Promise<Record<string, string>>, string][] = [
    ["a signature made with another secret", async (_secret, body) => ({ "x-signature": await hmac("SHA-256", "not-the-secret", body, "hex") }), "SIGNATURE_INVALID"],
    ["no signature header", async () => ({}), "SIGNATURE_INVALID"],
    ["an empty signature", async () => ({ "x-signature": "" }), "SIGNATURE_INVALID"],
  ];
  it.each(cases)("generic-hmac with %s", async (_label, headersFor, code) => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-hmac", auth: { kind: "hmac", secret: "the-real-secret" } });
    const body = JSON.stringify(sampleBody("generic-hmac"));
    const response = await deliver(tenant, hook.id, body, await headersFor("the-real-secret", body));
    expect(response.status).toBe(401);
    expect((await envelope(response)).error.code).toBe(code);
    await expectNothingStored(tenant);
  });

  it("a wrong or missing header secret is 401 UNAUTHORIZED", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const body = oktaDelivery([oktaEvent("user.lifecycle.create", { id: "00u1", email: "a@example.com" })]);
    const attempts: Record<string, string>[] = [{ authorization: "wrong-secret" }, {}, { authorization: `Bearer ${OKTA_SECRET}` }, { "x-other": OKTA_SECRET }];
    for (const headers of attempts) {
      const response = await deliver(tenant, hook.id, body, headers);
      expect(response.status).toBe(401);
      const error = await envelope(response);
      expect(error.error.code).toBe("UNAUTHORIZED");
    }
    const counted = await waitForAnonymousLog(tenant.id, { status: 401, code: "UNAUTHORIZED" }, attempts.length);
    expect(counted.reduce((sum, row) => sum + row.count, 0)).toBe(attempts.length);
    await expectNothingStored(tenant);
  });

  it("Standard Webhooks: a stale or future timestamp, a tampered body, a missing webhook-id", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "standard-webhooks" });
    const body = JSON.stringify(sampleBody("standard-webhooks"));
    const now = Math.floor(Date.now() / 1000);
    const stale = await standardWebhookHeaders(hook.auth.secret, body, { timestamp: now - 6 * 60 });
    const future = await standardWebhookHeaders(hook.auth.secret, body, { timestamp: now + 6 * 60 });
    const fresh = await standardWebhookHeaders(hook.auth.secret, body);
    const { "webhook-id": _omitted, ...noId } = fresh;
    const attempts: [string, Record<string, string>, RegExp][] = [
      [body, stale, /more than 5 minutes old/],
      [body, future, /in the future/],
      [body.replace("Jane", "Eve"), fresh, /No webhook-signature matches/],
      [body, noId, /Missing webhook-id/],
    ];
    for (const [sent, headers, cause] of attempts) {
      const response = await deliver(tenant, hook.id, sent, headers);
      expect(response.status).toBe(401);
      const error = await envelope(response);
      expect(error.error.code).toBe("SIGNATURE_INVALID");
      expect(error.error.message).toMatch(cause);
    }
    const counted = await waitForAnonymousLog(tenant.id, { status: 401, code: "SIGNATURE_INVALID" }, attempts.length);
    expect(counted.reduce((sum, row) => sum + row.count, 0)).toBe(attempts.length);
    await expectNothingStored(tenant);
  });

  it("a hook whose sealed secret is gone is an error, never a pass", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const row = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    await env.SECRETS.delete(row!.secret_ref);
    const body = oktaDelivery([oktaEvent("user.lifecycle.create", { id: "00u1", email: "a@example.com" })]);
    const response = await deliver(tenant, hook.id, body, { authorization: OKTA_SECRET });
    expect(response.status).toBe(500);
    await expectNothingStored(tenant);
  });

  it("an unknown hook id and another tenant's hook are 404", async () => {
    const victim = await createTenant("victim");
    const attacker = await createTenant("attacker");
    const hook = await oktaHook(victim);
    const body = oktaDelivery([oktaEvent("user.lifecycle.create", { id: "00u1", email: "a@example.com" })]);
    const foreign = await deliver(attacker, hook.id, body, { authorization: OKTA_SECRET });
    expect(foreign.status).toBe(404);
    expect((await envelope(foreign)).error.code).toBe("NOT_FOUND");
    expect((await deliver(victim, "hook_000000000000000000000000", body, { authorization: OKTA_SECRET })).status).toBe(404);
    await expectNothingStored(victim);
    await expectNothingStored(attacker);
  });
});

describe("POST /hooks/{hookId}: templates", () => {
  const failing: [string, string, RegExp][] = [
    ["an array instead of an object", "[{{ body.email | tojson }}]", /JSON object/],
    ["output that is not JSON", "email={{ body.email }}", /not JSON/],
    ["an unknown filter", '{"email": {{ body.email | shout }}}', /Template failed/],
    ["a runaway loop", '{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}{"email": "x"}', /render budget/],
    ["a string bomb", '{% set s = namespace(v="xxxxxxxx") %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}{}', /longer than/],
    ["an indent bomb", '{"email": {{ body.email | indent(200000000) | tojson }}}', /output budget/],
  ];
  it.each(failing)("%s is 400 TEMPLATE_FAILED and stores nothing", async (_label, template, message) => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "s3cret-value" }, template });
    const response = await deliver(tenant, hook.id, JSON.stringify({ email: "x@example.com" }), { authorization: "s3cret-value" });
    expect(response.status).toBe(400);
    const error = await envelope(response);
    expect(error.error.code).toBe("TEMPLATE_FAILED");
    expect(error.error.message).toMatch(message);
    expect((await waitForInboundLog(tenant.id, error.requestId)).code).toBe("TEMPLATE_FAILED");
    await expectNothingStored(tenant);
  });

  it("a delivery over the item cap is 400 TEMPLATE_FAILED and stores nothing", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const events = Array.from({ length: 1_001 }, (_, n) => oktaEvent("user.lifecycle.create", { id: `00u${n}`, email: `u${n}@example.com` }));
    const response = await deliver(tenant, hook.id, oktaDelivery(events), { authorization: OKTA_SECRET });
    expect(response.status).toBe(400);
    const error = await envelope(response);
    expect(error.error.code).toBe("TEMPLATE_FAILED");
    expect(error.error.message).toMatch(/carries 1001 items .* at most 1000/);
    await expectNothingStored(tenant);
  });

  it("sees headers and now, and never executes what the vendor sent", async () => {
    const tenant = await createTenant();
    const template = '{"email": {{ body.email | tojson }}, "note": {{ body.note | tojson }}, "via": {{ headers["x-source"] | tojson }}, "at": {{ now | tojson }}}';
    const hook = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "s3cret-value" }, template });
    const body = JSON.stringify({ email: "x@example.com", note: "{{ 7 * 7 }}{% raw %}" });
    const result = await received(await deliver(tenant, hook.id, body, { authorization: "s3cret-value", "x-source": "hr-tool" }));
    const data = await recordData(tenant, "User", result.changes[0]!.recordId);
    expect(data).toMatchObject({ email: "x@example.com", note: "{{ 7 * 7 }}{% raw %}", via: "hr-tool" });
    expect(Date.parse(data.at as string)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe("POST /hooks/{hookId}: sync keys and events", () => {
  it("finds the record by the next sync key when the first has no value, and links the other keys", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, {
      preset: "generic-header-secret",
      auth: { kind: "header_secret", secret: "s3cret-value" },
      syncKeys: ["employee_id", "email"],
      template: '{"employee_id": {{ body.employee_id | tojson }}, "email": {{ body.email | tojson }}, "title": {{ body.title | tojson }}}',
    });
    const send = (body: unknown) => deliver(tenant, hook.id, JSON.stringify(body), { authorization: "s3cret-value" });

    const first = await received(await send({ email: "pat@example.com", title: "Engineer" }));
    expect(first.changes[0]).toMatchObject({ event: "create", syncKey: { name: "email", value: "pat@example.com" } });
    const recordId = first.changes[0]!.recordId;

    // employee_id is new (no link yet), email finds the record; employee_id gets linked to it.
    const second = await received(await send({ employee_id: "E-7", email: "pat@example.com", title: "Senior Engineer" }));
    expect(second.changes[0]).toMatchObject({ recordId, event: "update", syncKey: { name: "email", value: "pat@example.com" } });

    // Now employee_id alone finds it, even when the email changed.
    const third = await received(await send({ employee_id: "E-7", email: "pat.new@example.com", title: "Staff Engineer" }));
    expect(third.changes[0]).toMatchObject({ recordId, event: "update", syncKey: { name: "employee_id", value: "E-7" } });
    expect(await recordData(tenant, "User", recordId)).toEqual({ employee_id: "E-7", email: "pat.new@example.com", title: "Staff Engineer" });
    expect(await countRows("records", tenant.id)).toBe(1);
    expect(await countRows("events", tenant.id)).toBe(3);
  });

  it("a delivery where no sync key has a value is 400 and stores nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "s3cret-value" } });
    const response = await deliver(tenant, hook.id, JSON.stringify({ first_name: "No", last_name: "Email" }), { authorization: "s3cret-value" });
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.details?.[0]?.path).toBe("syncKeys");
    await expectNothingStored(tenant);
  });

  it("the same data again appends no second event", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "s3cret-value" } });
    const body = JSON.stringify({ email: "same@example.com", first_name: "Same" });
    await received(await deliver(tenant, hook.id, body, { authorization: "s3cret-value" }));
    const again = await received(await deliver(tenant, hook.id, body, { authorization: "s3cret-value" }));
    expect(again.changes[0]).toMatchObject({ event: null, eventSeq: null });
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("update: 404 RECORD_NOT_FOUND without a record, an update event with one", async () => {
    const tenant = await createTenant();
    const creator = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "create-secret" } });
    const updater = await createHook(tenant, { preset: "generic-header-secret", event: "update", auth: { kind: "header_secret", secret: "update-secret" } });
    const missing = await deliver(tenant, updater.id, JSON.stringify({ email: "nobody@example.com", first_name: "N" }), { authorization: "update-secret" });
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("RECORD_NOT_FOUND");
    await expectNothingStored(tenant);

    const created = await received(await deliver(tenant, creator.id, JSON.stringify({ email: "kim@example.com", first_name: "Kim" }), { authorization: "create-secret" }));
    const updated = await received(await deliver(tenant, updater.id, JSON.stringify({ email: "kim@example.com", first_name: "Kimberly" }), { authorization: "update-secret" }));
    expect(updated.changes[0]).toMatchObject({ recordId: created.changes[0]!.recordId, event: "update" });
    expect(await recordData(tenant, "User", created.changes[0]!.recordId)).toMatchObject({ first_name: "Kimberly" });
  });

  it("archive: soft-deletes the record with an archive event; unknown records are 404", async () => {
    const tenant = await createTenant();
    const creator = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: "create-secret" } });
    const archiver = await createHook(tenant, { preset: "generic-header-secret", event: "archive", auth: { kind: "header_secret", secret: "archive-secret" } });
    const created = await received(await deliver(tenant, creator.id, JSON.stringify({ email: "lee@example.com", first_name: "Lee" }), { authorization: "create-secret" }));
    const archived = await received(await deliver(tenant, archiver.id, JSON.stringify({ email: "lee@example.com" }), { authorization: "archive-secret" }));
    expect(archived.changes[0]).toMatchObject({ recordId: created.changes[0]!.recordId, event: "archive" });
    const record = await (await call(tenant.slug, `/api/v1/records/User/${created.changes[0]!.recordId}`, { key: tenant.key })).json<{ deletedAt: string | null; data: Record<string, unknown> }>();
    expect(record.deletedAt).not.toBeNull();
    expect(record.data).toMatchObject({ first_name: "Lee" });
    const twice = await received(await deliver(tenant, archiver.id, JSON.stringify({ email: "lee@example.com" }), { authorization: "archive-secret" }));
    expect(twice.changes[0]!.event).toBeNull();
    const unknown = await deliver(tenant, archiver.id, JSON.stringify({ email: "ghost@example.com" }), { authorization: "archive-secret" });
    expect(unknown.status).toBe(404);
    expect((await envelope(unknown)).error.code).toBe("RECORD_NOT_FOUND");
    expect(await countRows("events", tenant.id)).toBe(2);
  });

  it("Okta data.events[] with several users makes one record change per item", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const body = oktaDelivery([
      oktaEvent("user.lifecycle.create", { id: "00u1", email: "one@example.com", name: "One" }),
      oktaEvent("user.lifecycle.create", { id: "00u2", email: "two@example.com", name: "Two" }),
      oktaEvent("user.account.update_profile", { id: "00u1", email: "one@example.com", name: "One Renamed" }),
    ]);
    const result = await received(await deliver(tenant, hook.id, body, { authorization: OKTA_SECRET }));
    expect(result.changes.map((change) => change.event)).toEqual(["create", "create", "update"]);
    expect(result.changes[2]!.recordId).toBe(result.changes[0]!.recordId);
    expect(await countRows("records", tenant.id)).toBe(2);
    expect(await countRows("events", tenant.id)).toBe(3);
    expect(await recordData(tenant, "User", result.changes[0]!.recordId)).toMatchObject({ display_name: "One Renamed", okta_event_type: "user.account.update_profile" });
  });
});

describe("POST /hooks/{hookId}: dedupe by vendor event id", () => {
  it("the same Okta eventId again is a 200 replay with no second event", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const body = oktaDelivery([oktaEvent("user.lifecycle.create", { id: "00u1", email: "one@example.com" })], "evt-dup-1");
    const first = await received(await deliver(tenant, hook.id, body, { authorization: OKTA_SECRET }));
    expect(first.replayed).toBe(false);
    const changed = oktaDelivery([oktaEvent("user.account.update_profile", { id: "00u1", email: "one@example.com", name: "Changed" })], "evt-dup-1");
    const second = await deliver(tenant, hook.id, changed, { authorization: OKTA_SECRET });
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toMatchObject({ replayed: true, eventId: "evt-dup-1", changes: [] });
    expect(await countRows("events", tenant.id)).toBe(1);
    expect(await countRows("inbound_event_ids", tenant.id)).toBe(1);
  });

  it("the same webhook-id again is a replay; the id expires after 24 h", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "standard-webhooks" });
    const body = JSON.stringify(sampleBody("standard-webhooks"));
    const send = async () => deliver(tenant, hook.id, body, await standardWebhookHeaders(hook.auth.secret, body, { id: "msg_same" }));
    expect((await received(await send())).replayed).toBe(false);
    expect((await received(await send())).replayed).toBe(true);
    expect(await countRows("events", tenant.id)).toBe(1);

    await (await shardOf(tenant.id)).prepare("UPDATE inbound_event_ids SET created_at = created_at - 86400001 WHERE tenant_id = ?").bind(tenant.id).run();
    const afterWindow = await received(await send());
    expect(afterWindow.replayed).toBe(false);
    expect(await countRows("inbound_event_ids", tenant.id)).toBe(1);
  });

  it("a delivery that changes nothing still remembers its event id", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant);
    const events = [oktaEvent("user.lifecycle.create", { id: "00u1", email: "one@example.com", name: "One" })];
    expect((await received(await deliver(tenant, hook.id, oktaDelivery(events, "evt-a"), { authorization: OKTA_SECRET }))).changes[0]!.event).toBe("create");
    expect((await received(await deliver(tenant, hook.id, oktaDelivery(events, "evt-b"), { authorization: OKTA_SECRET }))).changes[0]!.event).toBeNull();
    expect(await countRows("inbound_event_ids", tenant.id)).toBe(2);
    expect((await received(await deliver(tenant, hook.id, oktaDelivery(events, "evt-b"), { authorization: OKTA_SECRET }))).replayed).toBe(true);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("a GitHub delivery id is scoped to its hook and tenant", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const body = JSON.stringify(sampleBody("github"));
    for (const owner of [tenant, tenant, other]) {
      const hook = await createHook(owner, { preset: "github", auth: { kind: "hmac", secret: "github-webhook-secret" } });
      const result = await received(
        await deliver(owner, hook.id, body, {
          "x-github-delivery": "same-delivery",
          "x-hub-signature-256": `sha256=${await hmac("SHA-256", "github-webhook-secret", body, "hex")}`,
        }),
      );
      expect(result.replayed).toBe(false);
    }
  });

  it("a rejected delivery does not burn its event id", async () => {
    const tenant = await createTenant();
    const hook = await oktaHook(tenant, { event: "update" });
    const body = oktaDelivery([oktaEvent("user.lifecycle.create", { id: "00u9", email: "late@example.com" })], "evt-retry");
    expect((await deliver(tenant, hook.id, body, { authorization: OKTA_SECRET })).status).toBe(404);
    expect(await countRows("inbound_event_ids", tenant.id)).toBe(0);
  });
});

/** How each preset's sender signs: the headers for `body` under `secret`. */
const signers: Record<string, (secret: string, body: string) => Promise<Record<string, string>>> = {
  "okta-event-hook": async (secret) => ({ authorization: secret }),
  "azure-ad": async (secret) => ({ authorization: secret }),
  workday: async (secret) => ({ authorization: secret }),
  "generic-header-secret": async (secret) => ({ authorization: secret }),
  // A signed timestamp must be within 5 minutes of now.
  bamboohr: async (secret, body) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": await hmac("SHA-256", secret, `${body}${timestamp}`, "hex") };
  },
  "bamboohr-events": async (secret, body) => signers.bamboohr!(secret, body),
  github: async (secret, body) => ({ "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": `sha256=${await hmac("SHA-256", secret, body, "hex")}` }),
  "generic-hmac": async (secret, body) => ({ "x-signature": await hmac("SHA-256", secret, body, "hex") }),
  "standard-webhooks": async (secret, body) => standardWebhookHeaders(secret, body),
};
const SIGNED = new Set(["bamboohr", "bamboohr-events", "github", "generic-hmac", "standard-webhooks"]);

describe("POST /hooks/{hookId}: every preset rejects a wrong secret, and the signed ones a tampered body", () => {
  it.each(Object.keys(signers))("%s", async (presetId) => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: presetId });
    const wrongSecret = presetId === "standard-webhooks" ? `whsec_${btoa("another-secret-of-32-bytes-long!")}` : "not-the-hook-secret";
    const body = JSON.stringify(sampleBody(presetId));

    const wrong = await deliver(tenant, hook.id, body, await signers[presetId]!(wrongSecret, body));
    expect(wrong.status).toBe(401);
    expect(["UNAUTHORIZED", "SIGNATURE_INVALID"]).toContain((await envelope(wrong)).error.code);
    if (SIGNED.has(presetId)) {
      const tampered = await deliver(tenant, hook.id, body.replace(/}$/, ',"tampered":true}'), await signers[presetId]!(hook.auth.secret, body));
      expect(tampered.status).toBe(401);
      expect((await envelope(tampered)).error.code).toBe("SIGNATURE_INVALID");
    }
    await expectNothingStored(tenant);

    // The same request signed right is accepted: the rejections above were about the secret or the body only.
    const right = await deliver(tenant, hook.id, body, await signers[presetId]!(hook.auth.secret, body));
    expect(right.status).toBe(200);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("works through the /t/{tenant}/ prefix too", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret" });
    const response = await SELF.fetch(`http://${BASE_DOMAIN}/t/${tenant.slug}/hooks/${hook.id}`, {
      method: "POST",
      headers: { authorization: hook.auth.secret, "content-type": "application/json" },
      body: JSON.stringify(sampleBody("generic-header-secret")),
    });
    expect(response.status).toBe(200);
    expect(await countRows("records", tenant.id)).toBe(1);
  });
});
