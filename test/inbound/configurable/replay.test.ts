/**
 * Issue 17, item 6: a signed delivery cannot be replayed. A signed timestamp must be within 5 minutes of our
 * clock, and every HMAC-verified delivery is remembered for 24 h by its signature, so an exact resend (whatever
 * unsigned header it changes) answers 200 `replayed: true` and changes nothing.
 */
import { describe, expect, it } from "vitest";
import { call, countRows, createTenant, envelope, type TestTenant } from "../../helpers";
import { createHook, deliver, expectNothingStored, hmac, recordData, sampleBody, type Received } from "./hook-helpers";

const GITHUB_SECRET = "github-webhook-secret";
const BAMBOO_SECRET = "bamboo-private-key-0123";

async function eventFeed(tenant: TestTenant): Promise<{ seq: number; recordId: string; type: string; data: Record<string, unknown> }[]> {
  const response = await call(tenant.slug, "/api/v1/events?after=0&limit=500", { key: tenant.key });
  expect(response.status).toBe(200);
  return (await response.json<{ items: { seq: number; recordId: string; type: string; data: Record<string, unknown> }[] }>()).items;
}

/** A BambooHR delivery signed over its body and a timestamp `ageSeconds` old. */
async function bambooDelivery(body: string, ageSeconds = 0) {
  const timestamp = String(Math.floor(Date.now() / 1000) - ageSeconds);
  return { "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": await hmac("SHA-256", BAMBOO_SECRET, body + timestamp, "hex") };
}

const githubMembership = (role: string) => {
  const body = sampleBody("github");
  (body.membership as { role: string }).role = role;
  return JSON.stringify(body);
};

/** GitHub's headers for a body: the signature covers only the body; X-GitHub-Delivery is not signed. */
const githubHeaders = async (body: string, delivery: string = crypto.randomUUID()) => ({
  "x-github-event": "organization",
  "x-github-delivery": delivery,
  "x-hub-signature-256": `sha256=${await hmac("SHA-256", GITHUB_SECRET, body, "hex")}`,
});

describe("timestamp-signed presets: the timestamp must be within 5 minutes", () => {
  it("a BambooHR body signed with a timestamp 10 minutes old or ahead is 401 SIGNATURE_INVALID; nothing is stored", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "bamboohr", auth: { kind: "hmac", secret: BAMBOO_SECRET } });
    const body = JSON.stringify(sampleBody("bamboohr"));
    for (const [age, cause] of [
      [10 * 60, /X-BambooHR-Timestamp is more than 5 minutes old/],
      [-10 * 60, /X-BambooHR-Timestamp is more than 5 minutes in the future/],
    ] as const) {
      const response = await deliver(tenant, hook.id, body, await bambooDelivery(body, age));
      expect(response.status).toBe(401);
      expect((await envelope(response)).error).toMatchObject({ code: "SIGNATURE_INVALID", message: expect.stringMatching(cause) });
    }
    // The sample's own timestamp (2024), correctly signed, is just as stale.
    const timestamp = "1723213351";
    const sample = await deliver(tenant, hook.id, body, { "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": await hmac("SHA-256", BAMBOO_SECRET, body + timestamp, "hex") });
    expect(sample.status).toBe(401);
    await expectNothingStored(tenant);
    expect(await countRows("idempotency_keys", tenant.id)).toBe(0);
  });

  it("an exact BambooHR resend inside the window is a replay: the record is not reverted, no event goes out", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "bamboohr", auth: { kind: "hmac", secret: BAMBOO_SECRET } });
    const sales = JSON.stringify(sampleBody("bamboohr"));
    const salesHeaders = await bambooDelivery(sales, 60);
    const first = await deliver(tenant, hook.id, sales, salesHeaders);
    expect(first.status).toBe(200);
    const recordId = (await first.json<Received>()).changes[0]!.recordId;
    const marketingBody = sampleBody("bamboohr");
    (marketingBody.employees as { fields: Record<string, string> }[])[0]!.fields.Department = "Marketing";
    const marketing = JSON.stringify(marketingBody);
    expect((await deliver(tenant, hook.id, marketing, await bambooDelivery(marketing))).status).toBe(200);
    const feed = await eventFeed(tenant);

    const resent = await deliver(tenant, hook.id, sales, salesHeaders);
    expect(resent.status).toBe(200);
    expect(resent.headers.get("idempotent-replayed")).toBe("true");
    expect(await resent.json()).toEqual({ hookId: hook.id, eventId: null, replayed: true, changes: [] });
    expect((await recordData(tenant, "User", recordId)).department).toBe("Marketing");
    expect(await eventFeed(tenant)).toEqual(feed);
  });
});

describe("HMAC deliveries are deduplicated for 24 h on their signature", () => {
  it("an exact GitHub resend with a new X-GitHub-Delivery answers 200 replayed: true and changes nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    const member = githubMembership("member");
    const memberHeaders = await githubHeaders(member);
    const first = await deliver(tenant, hook.id, member, memberHeaders);
    expect(first.status).toBe(200);
    const recordId = (await first.json<Received>()).changes[0]!.recordId;
    const admin = githubMembership("admin");
    const promoted = await deliver(tenant, hook.id, admin, await githubHeaders(admin));
    expect((await promoted.json<Received>()).changes[0]).toMatchObject({ recordId, event: "update" });
    const feed = await eventFeed(tenant);
    expect(feed.map((event) => event.type)).toEqual(["create", "update"]);

    // The old delivery, byte for byte, under a fresh delivery id (and its hex in upper case: still the same signature).
    const replay = { ...memberHeaders, "x-github-delivery": crypto.randomUUID() };
    const shouted = `sha256=${memberHeaders["x-hub-signature-256"].slice("sha256=".length).toUpperCase()}`;
    for (const headers of [replay, { ...replay, "x-hub-signature-256": shouted }]) {
      const resent = await deliver(tenant, hook.id, member, headers);
      expect(resent.status).toBe(200);
      expect(resent.headers.get("idempotent-replayed")).toBe("true");
      expect(await resent.json()).toEqual({ hookId: hook.id, eventId: headers["x-github-delivery"], replayed: true, changes: [] });
    }
    expect((await recordData(tenant, "User", recordId)).github_role).toBe("admin");
    expect(await eventFeed(tenant)).toEqual(feed);
  });

  it("generic HMAC: the same signed body again is a replay; another body is a new delivery", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-hmac", auth: { kind: "hmac", secret: "the-real-secret" } });
    const body = JSON.stringify(sampleBody("generic-hmac"));
    const headers = { "x-signature": await hmac("SHA-256", "the-real-secret", body, "hex") };
    expect(await (await deliver(tenant, hook.id, body, headers)).json()).toMatchObject({ replayed: false, changes: [{ event: "create" }] });
    expect(await (await deliver(tenant, hook.id, body, headers)).json()).toMatchObject({ replayed: true, changes: [] });
    const renamed = body.replace("Sam", "Samuel");
    expect(await (await deliver(tenant, hook.id, renamed, { "x-signature": await hmac("SHA-256", "the-real-secret", renamed, "hex") })).json()).toMatchObject({
      replayed: false,
      changes: [{ event: "update" }],
    });
    expect((await eventFeed(tenant)).map((event) => event.type)).toEqual(["create", "update"]);
  });

  it.each([
    ["a new user", false],
    ["an existing user", true],
  ])("the same signed request racing itself, for %s: one change, one event; the others are replays", async (_label, existing) => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret: GITHUB_SECRET } });
    if (existing) {
      const member = githubMembership("member");
      expect((await deliver(tenant, hook.id, member, await githubHeaders(member))).status).toBe(200);
    }
    const before = (await eventFeed(tenant)).length;
    const admin = githubMembership("admin");
    const headers = await githubHeaders(admin);
    const answers = await Promise.all(Array.from({ length: 4 }, () => deliver(tenant, hook.id, admin, { ...headers, "x-github-delivery": crypto.randomUUID() })));
    const bodies = await Promise.all(answers.map(async (answer) => ({ status: answer.status, body: await answer.json<Received>() })));
    expect(bodies.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const applied = bodies.filter((answer) => !answer.body.replayed);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.body.changes).toMatchObject([{ event: existing ? "update" : "create" }]);
    expect(bodies.filter((answer) => answer.body.replayed).every((answer) => answer.body.changes.length === 0)).toBe(true);
    const feed = await eventFeed(tenant);
    expect(feed).toHaveLength(before + 1);
    expect(feed.at(-1)).toMatchObject({ type: existing ? "update" : "create", data: { github_role: "admin" } });
    expect(await countRows("records", tenant.id)).toBe(1);
  });
});
