import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const seqs = async (tenant: TestTenant): Promise<number[]> =>
  (await (await call(tenant.slug, "/api/v1/events?limit=1000", { key: tenant.key })).json<{ items: { seq: number }[] }>()).items.map((event) => event.seq);

describe("per-tenant event sequences", () => {
  it("every tenant counts its own events from 1, however the tenants' writes interleave", async () => {
    const a = await createTenant("seq-a");
    const b = await createTenant("seq-b");
    for (let n = 0; n < 4; n++) {
      await createEntry(a, { n });
      await createEntry(b, { n });
      await createEntry(b, { n, again: true });
    }
    expect(await seqs(a)).toEqual([1, 2, 3, 4]);
    expect(await seqs(b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("racing writes to one tenant get consecutive seqs: no gap, no repeat, one per acknowledged change", async () => {
    const tenant = await createTenant("seq-race");
    const id = await createEntry(tenant, { n: 0 });
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, n) =>
        call(tenant.slug, `/api/arsys/v1.0/entry/Widget/${id}`, { key: tenant.key, method: "PUT", json: { values: { n: n + 1 } } }).then((response) => response.status),
      ),
      ...Array.from({ length: 8 }, (_, n) => createEntry(tenant, { other: n }).then(() => 201)),
    ]);
    expect(results.every((status) => status === 204 || status === 201)).toBe(true);
    expect(await seqs(tenant)).toEqual(Array.from({ length: 17 }, (_, index) => index + 1));
  });

  it("a new tenant's first callback carries webhook-id msg_1_<webhook>", async () => {
    // Other tenants' traffic first: it must not show in this tenant's numbers.
    const busy = await createTenant("seq-busy");
    for (let n = 0; n < 3; n++) await createEntry(busy, { n });
    receiver = startReceiver();
    const tenant = await createTenant("seq-new");
    const webhook = await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.headers.get("webhook-id"))).toEqual([`msg_1_${webhook}`]);
  });
});
