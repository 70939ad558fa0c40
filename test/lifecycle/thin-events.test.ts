import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

describe("thin events (seed 002, onePortal)", () => {
  it("the thin receiver's 4xx message is kept on the attempt for the operator", async () => {
    const message = JSON.stringify({ error: "Commercial system has no user IDNUMBER1234" });
    receiver = startReceiver(() => new Response(message, { status: 422, headers: { "content-type": "application/json" } }));
    const tenant = await createTenant("thin-4xx");
    await subscribe(tenant, { url: receiver.url, format: "thin", form: "User", maxAttempts: 1 });
    await createEntry(tenant, { email: "ann@example.com" }, "User");
    await settle(tenant.id);
    expect(Object.keys(receiver.received[0]!.json).sort()).toEqual(["entityType", "eventType", "id", "timestamp", "url"]);
    const { items } = await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: { id: string; status: string; lastStatus: number }[] }>();
    expect(items[0]).toMatchObject({ status: "dead", lastStatus: 422 });
    const detail = await (await call(tenant.slug, `/api/v1/deliveries/${items[0]!.id}`, { key: tenant.key })).json<{ attemptLog: { statusCode: number; responseExcerpt: string }[] }>();
    expect(detail.attemptLog).toEqual([expect.objectContaining({ statusCode: 422, responseExcerpt: message })]);
  });
});
