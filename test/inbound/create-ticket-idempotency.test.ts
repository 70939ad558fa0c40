import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, countRows, createTenant, envelope, shardOf } from "../helpers";

const post = (tenant: { slug: string; key: string }, key: string | undefined, json: unknown = SEED_TICKET) =>
  call(tenant.slug, TICKET_PATH, { key: tenant.key, json, headers: key === undefined ? {} : { "idempotency-key": key } });

describe("createticket Idempotency-Key (24 h)", () => {
  it("replays the same ticket for the same key and body: 201, same id, Idempotent-Replayed, nothing new", async () => {
    const tenant = await createTenant();
    const first = await post(tenant, "retry-1");
    const second = await post(tenant, "retry-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [await first.json<{ id: string; eventSeq: number }>(), await second.json<{ id: string; eventSeq: number | null }>()];
    expect(b.id).toBe(a.id);
    expect(b.eventSeq).toBeNull();
    expect(await countRows("records", tenant.id)).toBe(1);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("refuses the same key with a different body (409) and stores nothing", async () => {
    const tenant = await createTenant();
    await post(tenant, "k");
    const conflict = await post(tenant, "k", { ...SEED_TICKET, title: "Another" });
    expect(conflict.status).toBe(409);
    expect((await envelope(conflict)).error.code).toBe("CONFLICT");
    expect(await countRows("records", tenant.id)).toBe(1);
  });

  it("creates separate tickets for different keys, for no key, and across tenants with the same key", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    await post(a, "k1");
    await post(a, "k2");
    await post(a, undefined);
    await post(a, undefined);
    expect(await countRows("records", a.id)).toBe(4);
    const onB = await post(b, "k1");
    expect(onB.headers.get("idempotent-replayed")).toBeNull();
    expect(await countRows("records", b.id)).toBe(1);
  });

  it("forgets a key after 24 hours", async () => {
    const tenant = await createTenant();
    const first = await (await post(tenant, "old")).json<{ id: string }>();
    await (await shardOf(tenant.id)).prepare("UPDATE idempotency_keys SET created_at = created_at - 86400001 WHERE tenant_id = ?").bind(tenant.id).run();
    const later = await post(tenant, "old", { ...SEED_TICKET, title: "new body is fine now" });
    expect(later.status).toBe(201);
    expect((await later.json<{ id: string }>()).id).not.toBe(first.id);
    expect(await post(tenant, "old", { ...SEED_TICKET, title: "new body is fine now" }).then((r) => r.headers.get("idempotent-replayed"))).toBe("true");
  });

  it("creates exactly one ticket when the same key races itself", async () => {
    const tenant = await createTenant();
    const responses = await Promise.all([1, 2, 3, 4].map(() => post(tenant, "race")));
    const ids = await Promise.all(responses.map(async (response) => {
      expect(response.status).toBe(201);
      return (await response.json<{ id: string }>()).id;
    }));
    expect(new Set(ids).size).toBe(1);
    expect(await countRows("records", tenant.id)).toBe(1);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("rejects a malformed Idempotency-Key with VALIDATION_FAILED", async () => {
    const tenant = await createTenant();
    const response = await post(tenant, "x".repeat(256));
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.details?.[0]?.path).toBe("Idempotency-Key");
    expect(await countRows("records", tenant.id)).toBe(0);
  });
});
