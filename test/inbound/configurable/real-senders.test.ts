/**
 * Issue 19 item 3, real senders: GitHub's ping and form-encoded deliveries, Svix's header names, signatures over
 * the exact bytes received (a UTF-8 BOM included), Azure Event Grid's Event Grid-schema subscription validation,
 * and CloudEvents batches.
 */
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { countRows, createTenant } from "../../helpers";
import { createHook, deliver, expectNothingStored, hmac, sampleBody, type Received } from "./hook-helpers";

const GITHUB_SECRET = "github-webhook-secret";
const AZURE_SECRET = "azure-delivery-secret";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const githubHeaders = async (body: string, event = "organization", secret = GITHUB_SECRET) => ({
  "X-GitHub-Event": event,
  "X-GitHub-Delivery": crypto.randomUUID(),
  "X-Hub-Signature-256": `sha256=${await hmac("SHA-256", secret, body, "hex")}`,
});

const PING = { zen: "Design for failure.", hook_id: 12345678, hook: { type: "Organization", id: 12345678, name: "web", active: true, events: ["organization"] } };

describe("GitHub, as GitHub sends", () => {
  it("answers the ping sent when the webhook is created with 200 and no change", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const body = JSON.stringify(PING);
    const response = await deliver(tenant, hook.id, body, await githubHeaders(body, "ping"));
    expect(response.status).toBe(200);
    expect((await response.json<Received>()).changes).toEqual([]);
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await countRows("events", tenant.id)).toBe(0);
  });

  it("accepts application/x-www-form-urlencoded (payload=<JSON>), signed over the raw form bytes", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const form = `payload=${encodeURIComponent(JSON.stringify(sampleBody("github")))}`;
    const response = await deliver(tenant, hook.id, form, {
      ...(await githubHeaders(form)),
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(200);
    const result = await response.json<Received>();
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ event: "create", syncKey: { name: "github_id", value: "583231" } });

    // A signature over the JSON inside rather than the form bytes is refused.
    const inner = JSON.stringify(sampleBody("github"));
    const wrong = await deliver(tenant, hook.id, form, { ...(await githubHeaders(inner)), "content-type": "application/x-www-form-urlencoded" });
    expect(wrong.status).toBe(401);
  });

  it("refuses a form without its payload field (400), and other media types (415)", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const form = "other=1";
    expect((await deliver(tenant, hook.id, form, { ...(await githubHeaders(form)), "content-type": "application/x-www-form-urlencoded" })).status).toBe(400);
    expect((await deliver(tenant, hook.id, "x", { ...(await githubHeaders("x")), "content-type": "text/plain" })).status).toBe(415);
  });
});

describe("Svix header names are Standard Webhooks' aliases", () => {
  it("accepts svix-id, svix-timestamp and svix-signature signed by the standardwebhooks library, and refuses a bad one", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "standard-webhooks", auth: { kind: "standard_webhooks", secret: WHSEC } });
    const body = JSON.stringify(sampleBody("standard-webhooks"));
    const id = `msg_${crypto.randomUUID()}`;
    const now = new Date();
    const signature = new Webhook(WHSEC).sign(id, now, body);
    const headers = { "svix-id": id, "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": signature };
    const response = await deliver(tenant, hook.id, body, headers);
    expect(response.status).toBe(200);
    const result = await response.json<Received>();
    expect(result.eventId).toBe(id);
    expect(result.changes).toHaveLength(1);

    const tampered = await deliver(tenant, hook.id, body.replace("Jane", "Joan"), { ...headers, "svix-id": `msg_${crypto.randomUUID()}` });
    expect(tampered.status).toBe(401);
  });
});

describe("signatures cover the exact bytes received", () => {
  it("accepts a body starting with a UTF-8 BOM signed over its raw bytes; refuses it tampered", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const body = `\uFEFF${JSON.stringify(sampleBody("github"))}`;
    expect([...new TextEncoder().encode(body).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const response = await deliver(tenant, hook.id, body, await githubHeaders(body));
    expect(response.status).toBe(200);
    expect((await response.json<Received>()).changes).toHaveLength(1);

    // Signed without the BOM, sent with it: the bytes differ, so the signature does not match.
    const other = await createTenant();
    const otherHook = await createHook(other, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const withoutBom = body.slice(1);
    const refused = await deliver(other, otherHook.id, body, await githubHeaders(withoutBom));
    expect(refused.status).toBe(401);
    const tampered = await deliver(other, otherHook.id, body.replace("octocat", "octodog"), await githubHeaders(body));
    expect(tampered.status).toBe(401);
    await expectNothingStored(other);
  });
});

const validationEvent = (code: string) => [
  {
    id: "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
    topic: "/subscriptions/xx/resourceGroups/xx/providers/Microsoft.EventGrid/partnerTopics/graph",
    subject: "",
    data: { validationCode: code, validationUrl: "https://rp-eastus2.eventgrid.azure.net/eventsubscriptions/x/validate?id=1&t=2&apiVersion=2018-05-01-preview&token=t" },
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
    eventTime: "2024-08-09T14:22:31.342Z",
    metadataVersion: "1",
    dataVersion: "2",
  },
];

describe("Azure Event Grid", () => {
  it("answers the Event Grid-schema subscription validation with its code, authenticated by the delivery header, with no change", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "azure-ad", auth: { kind: "header_secret", secret: AZURE_SECRET } });
    const body = JSON.stringify(validationEvent("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
    const response = await deliver(tenant, hook.id, body, { authorization: AZURE_SECRET, "aeg-event-type": "SubscriptionValidation" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
    await expectNothingStored(tenant);

    const unauthenticated = await deliver(tenant, hook.id, body, { authorization: "wrong-secret-value", "aeg-event-type": "SubscriptionValidation" });
    expect(unauthenticated.status).toBe(401);
  });

  it("accepts an application/cloudevents-batch+json delivery: one change per event", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "azure-ad", auth: { kind: "header_secret", secret: AZURE_SECRET } });
    const event = (objectId: string) => {
      const sample = sampleBody("azure-ad") as { id: string; data: { resourceData: { id: string } } };
      sample.id = crypto.randomUUID();
      sample.data.resourceData.id = objectId;
      return sample;
    };
    const body = JSON.stringify([event("user-a"), event("user-b"), event("user-c")]);
    const response = await deliver(tenant, hook.id, body, { authorization: AZURE_SECRET, "content-type": "application/cloudevents-batch+json" });
    expect(response.status).toBe(200);
    const result = await response.json<Received>();
    expect(result.changes.map((change) => change.syncKey.value)).toEqual(["user-a", "user-b", "user-c"]);
    expect(result.changes.every((change) => change.event === "create")).toBe(true);
    expect(await countRows("records", tenant.id)).toBe(3);
    expect(result.eventId).toMatch(/^batch:[0-9a-f]{64}$/);

    // The same batch again (Event Grid retries a batch whole) is a replay: no change, no event.
    const again = await deliver(tenant, hook.id, body, { authorization: AZURE_SECRET, "content-type": "application/cloudevents-batch+json" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ eventId: result.eventId, replayed: true, changes: [] });
    expect(await countRows("events", tenant.id)).toBe(3);
  });
});
