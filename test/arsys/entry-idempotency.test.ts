/**
 * `Idempotency-Key` on the AR entry API (create and mergeEntry): a publisher's retry answers the first write's
 * entry with Idempotent-Replayed: true and appends no event; another request under the same key is 409 (AR's
 * error array); two racing requests with one key make one entry.
 */
import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";

const FORM = "HPD:Help Desk";
const ENTRY = `/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`;
const MERGE = `/api/arsys/v1.0/mergeEntry/${encodeURIComponent(FORM)}`;

const post = (tenant: TestTenant, path: string, values: Record<string, unknown>, key?: string) =>
  call(tenant.slug, path, { key: tenant.key, json: { values }, headers: key === undefined ? {} : { "Idempotency-Key": key } });

async function eventCount(tenant: TestTenant): Promise<number> {
  const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: unknown[] }>();
  return feed.items.length;
}

describe("Idempotency-Key on the AR entry API", () => {
  it("a retried create answers the first entry, marked replayed, with no second entry or event", async () => {
    const tenant = await createTenant("ar-idem");
    const first = await post(tenant, ENTRY, { Status: "New" }, "retry-1");
    const again = await post(tenant, ENTRY, { Status: "New" }, "retry-1");
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await eventCount(tenant)).toBe(1);
  });

  it("without a key every create is a new entry", async () => {
    const tenant = await createTenant("ar-idem");
    const first = await post(tenant, ENTRY, { Status: "New" });
    const second = await post(tenant, ENTRY, { Status: "New" });
    expect(second.headers.get("location")).not.toBe(first.headers.get("location"));
    expect(await eventCount(tenant)).toBe(2);
  });

  it("the same key with another body, or on another form, is 409 in AR's error array and changes nothing", async () => {
    const tenant = await createTenant("ar-idem");
    await post(tenant, ENTRY, { Status: "New" }, "reused");
    const otherBody = await post(tenant, ENTRY, { Status: "Assigned" }, "reused");
    expect(otherBody.status).toBe(409);
    const errors = await otherBody.json<{ messageType: string; messageNumber: number; messageText: string }[]>();
    expect(Array.isArray(errors)).toBe(true);
    expect(errors[0]).toMatchObject({ messageType: "ERROR" });
    const otherForm = await post(tenant, `/api/arsys/v1.0/entry/Change`, { Status: "New" }, "reused");
    expect(otherForm.status).toBe(409);
    expect(await eventCount(tenant)).toBe(1);
  });

  it("a malformed key is 400 and creates nothing", async () => {
    const tenant = await createTenant("ar-idem");
    const response = await post(tenant, ENTRY, { Status: "New" }, "has space");
    expect(response.status).toBe(400);
    expect(await eventCount(tenant)).toBe(0);
  });

  it("a retried mergeEntry answers the entry it merged into, with one merge event", async () => {
    const tenant = await createTenant("ar-idem");
    const created = await post(tenant, ENTRY, { Status: "New" });
    const id = created.headers.get("location")!.split("/").pop()!;
    const first = await post(tenant, MERGE, { "Request ID": id, Status: "Closed" }, "merge-1");
    const again = await post(tenant, MERGE, { "Request ID": id, Status: "Closed" }, "merge-1");
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await eventCount(tenant)).toBe(2);
  });

  it("a retried mergeEntry that created an entry does not create a second", async () => {
    const tenant = await createTenant("ar-idem");
    const first = await post(tenant, MERGE, { Status: "New" }, "merge-new");
    const again = await post(tenant, MERGE, { Status: "New" }, "merge-new");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await eventCount(tenant)).toBe(1);
  });

  it("the same request racing itself makes one entry; every answer names it", async () => {
    const tenant = await createTenant("ar-idem");
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(tenant, ENTRY, { Status: "New" }, "race")));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((answer) => answer.headers.get("location"))).size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true")).toHaveLength(5);
    expect(await eventCount(tenant)).toBe(1);
  });

  it("keys are per tenant: another tenant's identical key and body make its own entry", async () => {
    const a = await createTenant("ar-idem-a");
    const b = await createTenant("ar-idem-b");
    await post(a, ENTRY, { Status: "New" }, "shared");
    const other = await post(b, ENTRY, { Status: "New" }, "shared");
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(await eventCount(b)).toBe(1);
  });
});
