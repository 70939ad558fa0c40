/**
 * A suspended tenant delivers nothing until it is reactivated: its deliveries wait where they are (nothing is
 * lost, order kept), and reactivation sends them at once, with no other wake-up.
 */
import { afterEach, describe, expect, it } from "vitest";
import { admin, createTenant } from "../helpers";
import { ACTIVE_CACHE_MS } from "../../src/delivery/control-plane";
import { createEntry, seqOf, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | undefined;
afterEach(() => receiver?.restore());

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await wait(5);
  }
}

const setStatus = async (slug: string, status: "active" | "suspended") =>
  expect((await admin(`/admin/v1/tenants/${slug}`, { method: "PATCH", json: { status } })).status).toBe(200);

describe("a suspended tenant", () => {
  it("sends nothing while suspended, and everything, in order, once reactivated", async () => {
    receiver = startReceiver((_request, index) => new Response(index === 0 ? "try later" : "ok", { status: index === 0 ? 500 : 200 }));
    const tenant = await createTenant("suspend");
    // The retry falls due after the engine has stopped trusting its last "active" read (ACTIVE_CACHE_MS).
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [ACTIVE_CACHE_MS + 500, 300, 300] });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    // The first attempt fails; its retry falls due while the tenant is suspended.
    await waitFor(() => receiver!.received.length >= 1);
    await setStatus(tenant.slug, "suspended");
    await wait(ACTIVE_CACHE_MS + 1_500);
    expect(receiver.received).toHaveLength(1);

    await setStatus(tenant.slug, "active");
    await waitFor(() => receiver!.received.length >= 3);
    const [first, retried, second] = receiver.received.map(seqOf);
    expect(retried).toBe(first);
    expect(second).toBeGreaterThan(first!);
  });

  it("a suspension stops a drain already under way within about ACTIVE_CACHE_MS; the sends already out finish", async () => {
    receiver = startReceiver(async () => {
      await wait(100);
      return new Response("ok");
    });
    const tenant = await createTenant("suspend-mid-drain");
    await subscribe(tenant, { url: receiver.url });
    for (let n = 1; n <= 40; n++) await createEntry(tenant, { n });
    await waitFor(() => receiver!.received.length >= 2);
    await setStatus(tenant.slug, "suspended");
    await wait(ACTIVE_CACHE_MS + 500);
    const afterStop = receiver.received.length;
    await wait(1_500);
    expect(receiver.received.length).toBe(afterStop);
    expect(afterStop).toBeLessThan(40);

    await setStatus(tenant.slug, "active");
    await waitFor(() => receiver!.received.length >= 40, 10_000);
    const seqs = receiver.received.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
