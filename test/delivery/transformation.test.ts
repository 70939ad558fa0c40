import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, updateEntry, type Receiver } from "./harness";

const TEMPLATE = `{"kind": {{ event.type | tojson }}, "seq": {{ event.seq }}, "entry": {{ event.record_id | tojson }}, "form": {{ event.form | tojson }},
 "changed": {{ event.changed_fields | tojson }}, "at": {{ event.time | tojson }}, "by": {{ subscription.id | tojson }},
 "name": {{ payload.entry_details.name | tojson }}, "payload": {{ payload | tojson }}}`;

const dryRun = (tenant: TestTenant, id: string, json: unknown, key: string | undefined = tenant.key) =>
  call(tenant.slug, `/api/v1/subscriptions/${id}/transformation/dry-run`, { key, json });

const webhook = (tenant: TestTenant, id: string) => call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key });

let receiver: Receiver | null = null;
afterEach(() => {
  receiver?.restore();
  receiver = null;
});

describe("outbound transformations", () => {
  it("the receiver gets the template's output, signed over those bytes, equal to the dry run of the same event", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("xform");
    const id = await subscribe(tenant, { url: receiver.url, payloadFields: ["name", "n"], transformation: TEMPLATE });
    const entry = await createEntry(tenant, { name: "Ada", n: 1 });
    await settle(tenant.id);
    const [request] = receiver.received;
    expect(request!.headers.get("content-type")).toBe("application/json");
    expect(request!.json).toMatchObject({ kind: "create", entry, form: "Widget", by: id, name: "Ada" });
    const secret = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>();
    expect(new Webhook(secret.key).verify(request!.body, Object.fromEntries(request!.headers))).toBeTruthy();

    const sent = request!.json as { seq: number; changed: string[]; at: string };
    const event = { type: "create", seq: sent.seq, record_id: entry, data: { name: "Ada", n: 1 }, changed_fields: sent.changed, time: sent.at };
    const response = await dryRun(tenant, id, { event });
    expect(response.status).toBe(200);
    const { body } = await response.json<{ body: unknown }>();
    expect(body).toEqual(JSON.parse(request!.body));
    expect(JSON.stringify(body)).toBe(request!.body);
  });

  it("dry run: the stored template over a sample of the form, a given template, a given event", async () => {
    const tenant = await createTenant("xform-dry");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", payloadFields: ["name"], transformation: `{"name": {{ payload.entry_details.name | tojson }}, "kind": {{ event.type | tojson }}}` });
    const stored = await dryRun(tenant, id, {});
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ body: { name: "Sample name", kind: "create" } });

    const given = await dryRun(tenant, id, { template: `{"who": {{ subscription.id | tojson }}, "entry": {{ event.record_id | tojson }}}` });
    expect(await given.json()).toEqual({ body: { who: id, entry: "000000000000001" } });

    const withEvent = await dryRun(tenant, id, { event: { type: "update", data: { name: "Grace" }, record_id: "000000000000042" } });
    expect(await withEvent.json()).toEqual({ body: { name: "Grace", kind: "update" } });
  });

  it("dry run: a template that fails is 400 TEMPLATE_FAILED with its message; none stored and none given is 400 too", async () => {
    const tenant = await createTenant("xform-fail");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const none = await dryRun(tenant, id, {});
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: { code: "TEMPLATE_FAILED" } });
    const raised = await dryRun(tenant, id, { template: `{{ raise_exception("no thanks") }}` });
    expect(raised.status).toBe(400);
    const envelope = await raised.json<{ error: { code: string; message: string } }>();
    expect(envelope.error.code).toBe("TEMPLATE_FAILED");
    expect(envelope.error.message).toContain("no thanks");
    const notObject = await dryRun(tenant, id, { template: `[1, 2]` });
    expect((await notObject.json<{ error: { message: string } }>()).error.message).toContain("JSON object");
    const unparsed = await dryRun(tenant, id, { template: `{{ oops ` });
    expect(unparsed.status).toBe(400);
  });

  it("dry run needs an api key of the subscription's tenant", async () => {
    const tenant = await createTenant("xform-auth");
    const other = await createTenant("xform-other");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", transformation: `{"a": 1}` });
    expect((await dryRun(tenant, id, {}, "")).status).toBe(401);
    expect((await dryRun(tenant, id, {}, "hg_live_not_a_key")).status).toBe(401);
    expect((await dryRun(tenant, id, {}, other.key)).status).toBe(401);
    expect((await dryRun(other, id, {})).status).toBe(404);
  });

  it("a render failure at delivery is a failed attempt logging the template's error, dead-lettered at once; others still send", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("xform-dead");
    const template = `{% if payload.entry_details.n == 2 %}{{ raise_exception("n must not be 2") }}{% endif %}{"n": {{ payload.entry_details.n }}}`;
    await subscribe(tenant, { url: receiver.url, payloadFields: ["n"], transformation: template, maxAttempts: 4 });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await createEntry(tenant, { n: 3 });
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.json)).toEqual([{ n: 1 }, { n: 3 }]);
    const [dead] = await listDeliveries(tenant, "?status=dead");
    expect(dead).toMatchObject({ attempts: 1 });
    expect(dead!.lastError).toContain("n must not be 2");
    const read = await (await call(tenant.slug, `/api/v1/deliveries/${dead!.id}`, { key: tenant.key })).json<{ attemptLog: { error: string | null; statusCode: number | null }[] }>();
    expect(read.attemptLog).toHaveLength(1);
    expect(read.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringContaining("Transformation failed: Template raised: n must not be 2") });
  });

  it("a PUT changing the template while events are delivered: each body comes from exactly one version", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("xform-race");
    const version = (v: number) => `{"version": ${v}, "n": {{ payload.entry_details.n }}, "again": {{ payload.entry_details.n }}, "v2": ${v}}`;
    const id = await subscribe(tenant, { url: receiver.url, payloadFields: ["n"], transformation: version(1) });
    const registration = await (await webhook(tenant, id)).json<Record<string, unknown>>();
    const { webhook_id: _id, _links, ...body } = registration;
    const entry = await createEntry(tenant, { n: 0 });
    const writes = Array.from({ length: 8 }, (_, n) => updateEntry(tenant, entry, { n: n + 1 }));
    const puts = [2, 3, 4].map((v) => call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "PUT", json: { ...body, transformation: version(v) } }));
    const statuses = await Promise.all(puts.map(async (put) => (await put).status));
    await Promise.all(writes);
    expect(statuses).toEqual([204, 204, 204]);
    await settle(tenant.id);
    expect(receiver.received.length).toBe(9);
    for (const request of receiver.received) {
      const sent = request.json as { version: number; v2: number; n: number; again: number };
      expect([1, 2, 3, 4]).toContain(sent.version);
      expect(sent.v2).toBe(sent.version);
      expect(sent.again).toBe(sent.n);
    }
  });
});
