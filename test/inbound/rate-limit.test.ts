import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, countRows, createTenant, envelope, waitForAnonymousLog, waitForInboundLog, type TestTenant } from "../helpers";
import { createHook, deliver, hmac, sampleBody } from "./configurable/hook-helpers";

// vitest.config.ts sets INBOUND_RATE_LIMITER to 40 requests per tenant per minute (counted once authenticated)
// and ANONYMOUS_RATE_LIMITER to 50 requests per client address and tenant per minute (counted before).
const TENANT_LIMIT = 40;
const ANONYMOUS_LIMIT = 50;

const JUNK_ADDRESS = "203.0.113.7";
const VENDOR_ADDRESS = "198.51.100.20";

/** A createticket request from `address`, with the tenant's key or a made-up one. */
const ticketFrom = (tenant: TestTenant, address: string, key = tenant.key) =>
  call(tenant.slug, TICKET_PATH, { key, json: SEED_TICKET, headers: { "cf-connecting-ip": address } });
const junkFrom = (tenant: TestTenant, address: string) => ticketFrom(tenant, address, "hg_not_a_key_0000000000000000000000");

describe("inbound rate limit, per tenant once authenticated", () => {
  it("answers 429 RATE_LIMITED with Retry-After past the tenant's limit, stores nothing for it, and leaves other tenants alone", async () => {
    const busy = await createTenant("busy");
    const calm = await createTenant("calm");
    const statuses: number[] = [];
    for (let index = 0; index < TENANT_LIMIT + 5; index++) {
      statuses.push((await call(busy.slug, TICKET_PATH, { key: busy.key, json: SEED_TICKET })).status);
    }
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(TENANT_LIMIT);
    expect(statuses).toContain(429);
    const limited = await call(busy.slug, TICKET_PATH, { key: busy.key, json: SEED_TICKET });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    const error = await envelope(limited);
    expect(error.error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/for this tenant/) });
    expect(await countRows("records", busy.id)).toBe(statuses.filter((status) => status === 201).length);
    // Authenticated, so logged as its own row.
    expect(await waitForInboundLog(busy.id, limited.headers.get("x-request-id")!)).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect((await call(calm.slug, TICKET_PATH, { key: calm.key, json: SEED_TICKET })).status).toBe(201);
  });

  it("is not used up by unauthenticated requests: junk from many addresses, then the vendor's whole allowance", async () => {
    const tenant = await createTenant("flooded");
    const junk = await Promise.all(Array.from({ length: TENANT_LIMIT + 20 }, (_, index) => junkFrom(tenant, `192.0.2.${index + 1}`)));
    expect(junk.map((response) => response.status)).toEqual(junk.map(() => 401));
    const vendor: number[] = [];
    for (let index = 0; index < TENANT_LIMIT; index++) vendor.push((await ticketFrom(tenant, VENDOR_ADDRESS)).status);
    expect(vendor).toEqual(vendor.map(() => 201));
  });
});

describe("inbound rate limit, per client address and tenant before authentication", () => {
  it("junk from one address gets 429 from the anonymous limit; the vendor at another address still gets 201", async () => {
    const tenant = await createTenant("victim");
    const statuses: number[] = [];
    // Until the address is limited (a minute boundary may reset the window once on the way).
    while (!statuses.includes(429) && statuses.length < 3 * ANONYMOUS_LIMIT) statuses.push((await junkFrom(tenant, JUNK_ADDRESS)).status);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThan(TENANT_LIMIT);
    const limited = await junkFrom(tenant, JUNK_ADDRESS);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await envelope(limited)).error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/from this address/) });
    // Even the right key from the limited address waits: the address is limited before anyone is authenticated.
    expect((await ticketFrom(tenant, JUNK_ADDRESS)).status).toBe(429);

    // More junk than the tenant's limit was sent, yet the vendor is served.
    expect((await ticketFrom(tenant, VENDOR_ADDRESS)).status).toBe(201);
    expect(await countRows("records", tenant.id)).toBe(1);
    // The 429s are unauthenticated too: counted, not logged one row each.
    await waitForAnonymousLog(tenant.id, { status: 429, code: "RATE_LIMITED" }, 2);
  });

  it("applies to configurable hooks too: bad signatures from one address are limited, the signed vendor is not", async () => {
    const tenant = await createTenant("hooked");
    const secret = "github-webhook-secret";
    const hook = await createHook(tenant, { preset: "github", auth: { kind: "hmac", secret } });
    const body = JSON.stringify(sampleBody("github"));
    const forged = { "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "cf-connecting-ip": JUNK_ADDRESS };
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 3 * ANONYMOUS_LIMIT) statuses.push((await deliver(tenant, hook.id, body, forged)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(new Set(statuses.slice(0, -1))).toEqual(new Set([401]));

    const signed = { "x-hub-signature-256": `sha256=${await hmac("SHA-256", secret, body, "hex")}`, "x-github-delivery": crypto.randomUUID(), "cf-connecting-ip": VENDOR_ADDRESS };
    const vendor = await deliver(tenant, hook.id, body, signed);
    expect(vendor.status).toBe(200);
    expect(await vendor.json()).toMatchObject({ replayed: false, changes: [{ event: "create" }] });
  });
});
