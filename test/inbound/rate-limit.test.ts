import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, countRows, createTenant, envelope, waitForInboundLog } from "../helpers";

// vitest.config.ts sets INBOUND_RATE_LIMITER to 40 requests per tenant per minute.
const LIMIT = 40;

describe("inbound rate limit", () => {
  it("answers 429 RATE_LIMITED with Retry-After past the tenant's limit, stores nothing for it, and leaves other tenants alone", async () => {
    const busy = await createTenant("busy");
    const calm = await createTenant("calm");
    const statuses: number[] = [];
    for (let index = 0; index < LIMIT + 5; index++) {
      statuses.push((await call(busy.slug, TICKET_PATH, { key: busy.key, json: SEED_TICKET })).status);
    }
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(LIMIT);
    expect(statuses).toContain(429);
    const limited = await call(busy.slug, TICKET_PATH, { key: busy.key, json: SEED_TICKET });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await envelope(limited)).error.code).toBe("RATE_LIMITED");
    expect(await countRows("records", busy.id)).toBe(statuses.filter((status) => status === 201).length);
    expect(await waitForInboundLog(busy.id, limited.headers.get("x-request-id")!)).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect((await call(calm.slug, TICKET_PATH, { key: calm.key, json: SEED_TICKET })).status).toBe(201);
  });
});
