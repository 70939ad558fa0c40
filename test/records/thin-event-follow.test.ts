/**
 * A thin event can be followed: the records API finds `entityType` (the form upper-cased) and `id` exactly as
 * received, and the event's `url` is the record's absolute address. Form names are unique per tenant ignoring
 * case: a write or a subscription under another spelling is the same form.
 */
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

interface ThinEvent {
  id: string;
  entityType: string;
  eventType: string;
  timestamp: string;
  url: string;
}

const FORMS = ["User", "Ticket", "HPD:Help Desk"];

describe("following a thin event", () => {
  it("GET /api/v1/records/{entityType}/{id} and the event's url both answer the record, for every form", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("thin-follow");
    for (const form of FORMS) await subscribe(tenant, { url: receiver.url, format: "thin", form });
    for (const form of FORMS) await createEntry(tenant, { note: `on ${form}` }, form);
    await settle(tenant.id);

    const received = receiver.received.map((request) => request.json as unknown as ThinEvent);
    expect(received).toHaveLength(FORMS.length);
    for (const event of received) {
      const byType = await call(tenant.slug, `/api/v1/records/${encodeURIComponent(event.entityType)}/${encodeURIComponent(event.id)}`, { key: tenant.key });
      expect(byType.status).toBe(200);
      const record = await byType.json<{ id: string; form: string; data: { note: string } }>();
      expect(record.id).toBe(event.id);
      expect(record.form.toUpperCase()).toBe(event.entityType);
      expect(record.data.note).toBe(`on ${record.form}`);

      const byUrl = await SELF.fetch(event.url, { headers: { authorization: tenant.key } });
      expect(byUrl.status).toBe(200);
      expect(await byUrl.json()).toEqual(record);
    }
  });

  it("an unknown form or id is still 404", async () => {
    const tenant = await createTenant("thin-follow");
    await createEntry(tenant, { note: "x" }, "User");
    expect((await call(tenant.slug, "/api/v1/records/USER/999999999999999", { key: tenant.key })).status).toBe(404);
    expect((await call(tenant.slug, "/api/v1/records/NOFORM/USR000000000001", { key: tenant.key })).status).toBe(404);
  });
});

describe("form names ignoring case", () => {
  it("writes under another spelling go to the form as first written; reads find it under any spelling", async () => {
    const tenant = await createTenant("form-case");
    const first = await createEntry(tenant, { n: 1 }, "HPD:Help Desk");
    const second = await createEntry(tenant, { n: 2 }, "hpd:HELP desk");
    expect(second).not.toBe(first);
    const list = await (await call(tenant.slug, `/api/v1/records/${encodeURIComponent("HPD:HELP DESK")}`, { key: tenant.key })).json<{ items: { id: string; form: string }[] }>();
    expect(list.items.map((item) => [item.form, item.id])).toEqual([
      ["HPD:Help Desk", first],
      ["HPD:Help Desk", second],
    ]);
    const entry = await call(tenant.slug, `/api/arsys/v1.0/entry/${encodeURIComponent("hpd:help desk")}/${second}`, { key: tenant.key });
    expect(entry.status).toBe(200);
    const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { form: string }[] }>();
    expect(feed.items.map((event) => event.form)).toEqual(["HPD:Help Desk", "HPD:Help Desk"]);
  });

  it("first writes racing under two spellings make one form", async () => {
    const tenant = await createTenant("form-case");
    await Promise.all([createEntry(tenant, { n: 1 }, "Asset"), createEntry(tenant, { n: 2 }, "ASSET"), createEntry(tenant, { n: 3 }, "asset")]);
    const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { form: string }[] }>();
    expect(new Set(feed.items.map((event) => event.form)).size).toBe(1);
  });

  it("a subscription under another spelling gets the form's events", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("form-case");
    await createEntry(tenant, { n: 0 }, "HPD:Help Desk");
    await subscribe(tenant, { url: receiver.url, form: "hpd:help desk" });
    await createEntry(tenant, { n: 1 }, "HPD:Help Desk");
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
  });

  it("another tenant's spelling is its own", async () => {
    const a = await createTenant("form-case-a");
    const b = await createTenant("form-case-b");
    await createEntry(a, { n: 1 }, "Asset");
    await createEntry(b, { n: 1 }, "ASSET");
    const feed = await (await call(b.slug, "/api/v1/events", { key: b.key })).json<{ items: { form: string }[] }>();
    expect(feed.items.map((event) => event.form)).toEqual(["ASSET"]);
  });
});
