import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { sweep } from "../../src/delivery/sweeper";
import type { DeliveryNudge } from "../../src/delivery/nudge";
import { SEED_TICKET, TICKET_PATH, createTenant, requestInit, tenantUrl, type CallOptions, type TestTenant } from "../helpers";
import { deliveryStub, recordingEnv, settle, startReceiver, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** A tenant request through the Worker with a queue that records the nudges the request sends. */
async function callRecording(tenant: TestTenant, path: string, options: CallOptions = {}): Promise<{ status: number; nudged: boolean }> {
  const sent: DeliveryNudge[] = [];
  const ctx = createExecutionContext();
  const response = await worker.fetch!(new Request(tenantUrl(tenant.slug, path), requestInit({ key: tenant.key, ...options })), recordingEnv(sent), ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, nudged: sent.some((nudge) => nudge.tenant === tenant.id) };
}

const entry = (tenant: TestTenant, form: string) => callRecording(tenant, `/api/arsys/v1.0/entry/${form}`, { json: { values: { n: 1 } } });

const register = (tenant: TestTenant, form: string, url = "https://nobody.example/hook") =>
  callRecording(tenant, "/api/arsys/v1.0/webhook", {
    json: { form_name: form, entry_events: ["create", "update"], condition: "", callback: { url, authentication: { type: "NO_AUTH" } }, payload_fields: [] },
  });

const swept = async (): Promise<string[]> => {
  const sent: DeliveryNudge[] = [];
  await sweep(recordingEnv(sent));
  return sent.map((nudge) => nudge.tenant);
};

describe("a commit wakes delivery only when the tenant's delivery cares about its form", () => {
  it("no subscription and no hook: a ticket commits and nudges nothing; the sweeper still moves the cursor past it", async () => {
    const tenant = await createTenant("interest-none");
    const ticket = await callRecording(tenant, TICKET_PATH, { json: SEED_TICKET });
    expect(ticket).toEqual({ status: 201, nudged: false });
    expect(await swept()).toContain(tenant.id);
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(await swept()).not.toContain(tenant.id);
  });

  it("a subscription's form wakes delivery, other forms do not; registering it nudges nothing (nothing is owed to it yet)", async () => {
    const tenant = await createTenant("interest-form");
    expect(await entry(tenant, "Widget")).toEqual({ status: 201, nudged: false });
    expect(await register(tenant, "Widget")).toEqual({ status: 201, nudged: false });
    expect(await entry(tenant, "Widget")).toEqual({ status: 201, nudged: true });
    expect(await entry(tenant, "Gadget")).toEqual({ status: 201, nudged: false });
  });

  it("lifecycle post hooks make User commits wake delivery; sync hooks alone do not", async () => {
    const tenant = await createTenant("interest-hooks");
    const configure = (enabled: string[]) =>
      // onTimeout allow: the AR entry API runs validateUser too, and this host answers nothing.
      callRecording(tenant, "/api/v1/lifecycle-hooks", { method: "PUT", json: { baseUrl: "https://hooks.example/cymmetri", token: "t0k3n", enabled, onTimeout: "allow" } });
    expect(await configure(["validateUser"])).toEqual({ status: 200, nudged: false });
    expect(await entry(tenant, "User")).toEqual({ status: 201, nudged: false });
    expect(await configure(["validateUser", "postCreateUser"])).toEqual({ status: 200, nudged: false });
    expect(await entry(tenant, "User")).toEqual({ status: 201, nudged: true });
    expect(await entry(tenant, "Widget")).toEqual({ status: 201, nudged: false });
  });

  it("a subscription gets the events committed after it was created, never older ones read late", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("interest-late");
    // Committed with no subscription: not nudged, not yet read by the engine.
    expect((await entry(tenant, "Widget")).nudged).toBe(false);
    expect((await register(tenant, "Widget", receiver.url)).status).toBe(201);
    expect((await entry(tenant, "Widget")).nudged).toBe(true);
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.headers.get("webhook-id")?.split("_")[1])).toEqual(["2"]);
  });
});
