import { afterEach, describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, envelope, type TestTenant } from "../helpers";
import type { Receiver } from "../delivery/harness";
import { tenantWithTraffic } from "./traffic";

let receiver: Receiver | undefined;
afterEach(() => receiver?.restore());

interface Stats {
  window: string;
  events: number;
  deliveries: { attempted: number; succeeded: number; failed: number; successRate: number | null };
  series: { start: string; events: number; succeeded: number; failed: number }[];
  streams: { streams: number; maxLag: number; openBreakers: number; blocked: number; deadLetters: number };
}

const stats = async (tenant: TestTenant, query = "") => (await call(tenant.slug, `/api/v1/stats${query}`, { key: tenant.key })).json<Stats>();

describe("GET /api/v1/stats", () => {
  it("counts the last hour's events and delivery attempts, with a 12-bucket series and the streams' state", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const tenant = traffic.tenant;
    const body = await stats(tenant, "?window=1h");
    expect(body.window).toBe("1h");
    expect(body.events).toBe(2);
    // 200 receiver: two events, one attempt each; 500 receiver: the first event twice, then its stream blocks.
    expect(body.deliveries).toEqual({ attempted: 4, succeeded: 2, failed: 2, successRate: 0.5 });
    expect(body.series).toHaveLength(12);
    expect(body.series.reduce((sum, point) => sum + point.events, 0)).toBe(2);
    expect(body.series[11]).toMatchObject({ succeeded: 2, failed: 2 });
    expect(Date.parse(body.series[1]!.start) - Date.parse(body.series[0]!.start)).toBe(5 * 60_000);
    expect(body.streams).toMatchObject({ streams: 2, openBreakers: 0, blocked: 1, deadLetters: 1 });
    expect(body.streams.maxLag).toBeGreaterThan(0);
  });

  it("defaults to 1 h and answers zeros for a quiet tenant", async () => {
    const tenant = await createTenant("stats");
    const body = await stats(tenant);
    expect(body).toMatchObject({ window: "1h", events: 0, deliveries: { attempted: 0, succeeded: 0, failed: 0, successRate: null } });
    expect(body.streams).toEqual({ streams: 0, maxLag: 0, openBreakers: 0, blocked: 0, deadLetters: 0 });
  });

  it("rejects an unknown window with 400 VALIDATION_FAILED", async () => {
    const tenant = await createTenant("stats");
    const response = await call(tenant.slug, "/api/v1/stats?window=2d", { key: tenant.key });
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 401 without a key or with another tenant's, 403 without the api scope", async () => {
    const tenant = await createTenant("stats");
    const other = await createTenant("stats");
    expect((await call(tenant.slug, "/api/v1/stats", {})).status).toBe(401);
    expect((await call(tenant.slug, "/api/v1/stats", { key: other.key })).status).toBe(401);
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    expect((await call(tenant.slug, "/api/v1/stats", { key: ticketsOnly.key })).status).toBe(403);
  });
});
