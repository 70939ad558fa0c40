/**
 * Issue 14's lost-update race: concurrent vendor deliveries that change the same record. Each delivery that
 * is acknowledged as applied (200, replayed: false) must have committed its change, and only a delivery whose
 * event id really was sent before may be answered as a replay.
 */
import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../../helpers";
import { createHook, deliver, sampleBody, type Received } from "./hook-helpers";

const SECRET = "okta-shared-secret-race";
const USER = { id: "00uRACE0000000000001", email: "race@example.com" };

function oktaDelivery(displayName: string, eventId: string): string {
  const body = sampleBody("okta-event-hook");
  body.eventId = eventId;
  body.data = {
    events: [
      {
        uuid: crypto.randomUUID(),
        published: new Date().toISOString(),
        eventType: "user.account.update_profile",
        version: "0",
        displayMessage: "Update user profile",
        severity: "INFO",
        actor: { id: "00uadmin", type: "User", alternateId: "admin@example.com", displayName: "Admin" },
        target: [{ id: USER.id, type: "User", alternateId: USER.email, displayName }],
      },
    ],
  };
  return JSON.stringify(body);
}

interface FeedEvent {
  recordId: string;
  type: string;
  data: Record<string, unknown>;
}

async function eventFeed(tenant: TestTenant): Promise<FeedEvent[]> {
  const response = await call(tenant.slug, "/api/v1/events?after=0&limit=500", { key: tenant.key });
  expect(response.status).toBe(200);
  return (await response.json<{ items: FeedEvent[] }>()).items;
}

describe("concurrent configurable-hook deliveries to the same user", () => {
  it("20 racing updates: every acknowledged change has its event, and none is answered as a replay", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: SECRET } });
    const first = await deliver(tenant, hook.id, oktaDelivery("Initial Name", crypto.randomUUID()), { authorization: SECRET });
    expect(first.status).toBe(200);
    const recordId = (await first.json<Received>()).changes[0]!.recordId;

    const names = Array.from({ length: 20 }, (_, index) => `Racer ${index}`);
    const answers = await Promise.all(
      names.map((name) => deliver(tenant, hook.id, oktaDelivery(name, crypto.randomUUID()), { authorization: SECRET })),
    );
    const bodies = await Promise.all(answers.map(async (answer) => ({ status: answer.status, body: await answer.json<Received>() })));

    expect(bodies.map((answer) => answer.status)).toEqual(names.map(() => 200));
    expect(bodies.filter((answer) => answer.body.replayed)).toEqual([]);
    const feed = await eventFeed(tenant);
    const namesInFeed = new Set(feed.filter((event) => event.recordId === recordId).map((event) => event.data.display_name));
    for (const [index, answer] of bodies.entries()) {
      expect(answer.body.changes[0]).toMatchObject({ recordId, event: "update" });
      expect(namesInFeed.has(names[index])).toBe(true);
    }
    // One create and twenty updates, each at its own version.
    expect(feed.filter((event) => event.recordId === recordId).map((event) => event.type)).toEqual(["create", ...names.map(() => "update")]);
  });
});
