import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { call, createTenant } from "../helpers";
import { createEntry, deliveryStub, seqOf, settle, startReceiver, subscribe, updateEntry, type Receiver } from "./harness";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

describe("delivery engine", () => {
  it("delivers an AR callback for a committed entry, signed, with a stable webhook-id", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("dl");
    const subscriptionId = await subscribe(tenant, { url: receiver.url });
    const entryId = await createEntry(tenant, { Status: "New", Description: "VPN down" });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.json).toMatchObject({
      webhook_id: subscriptionId,
      entry_event: "create",
      form_name: "Widget",
      entry_id: entryId,
      entry_details: { Status: "New", Description: "VPN down" },
    });
    expect(request!.json.record_id).toMatch(/^AG[0-9A-V]{28}$/);
    expect(request!.headers.get("user-agent")).toMatch(/^Hookgate\//);
    const secret = await (await call(tenant.slug, `/api/v1/subscriptions/${subscriptionId}/secret`, { key: tenant.key })).json<{ key: string }>();
    const verified = new Webhook(secret.key).verify(request!.body, Object.fromEntries(request!.headers));
    expect(verified).toMatchObject({ entry_id: entryId });
  });
});
