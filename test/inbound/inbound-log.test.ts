/** The inbound log: authenticated requests keep a row each; rejected anonymous ones are one row per minute and outcome, with its count. */
import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, countRows, createTenant, waitForAnonymousLog, waitForInboundLog } from "../helpers";

const N = 25;

/** Waits for the next minute when this one is about to end, so a burst's rows all fall in one minute. */
async function awayFromMinuteBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

interface Item {
  id: string;
  status: number;
  code: string | null;
  count: number;
  path: string;
}

describe("inbound log: unauthenticated requests are counted, authenticated ones logged one row each", () => {
  it(`${N} rejected anonymous requests, in parallel, make one row with count ${N}`, async () => {
    const tenant = await createTenant("junked");
    await awayFromMinuteBoundary();
    const junk = await Promise.all(
      Array.from({ length: N }, (_, index) =>
        call(tenant.slug, TICKET_PATH, { key: `hg_forged_${index}_000000000000000000000000`, json: SEED_TICKET, headers: { "cf-connecting-ip": `192.0.2.${index + 1}` } }),
      ),
    );
    expect(junk.map((response) => response.status)).toEqual(junk.map(() => 401));

    const rows = await waitForAnonymousLog(tenant.id, { status: 401, code: "UNAUTHORIZED" }, N);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: "helpdesk.createticket", method: "POST", path: TICKET_PATH, count: N });
    expect(await countRows("inbound_requests", tenant.id)).toBe(1);

    // The listing API shows the one entry with its count; an authenticated request is its own entry, count 1.
    const accepted = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET });
    expect(accepted.status).toBe(201);
    await waitForInboundLog(tenant.id, accepted.headers.get("x-request-id")!);
    const listed = await call(tenant.slug, "/api/v1/inbound-requests", { key: tenant.key });
    expect(listed.status).toBe(200);
    const items = (await listed.json<{ items: Item[] }>()).items;
    expect(items.map(({ status, code, count }) => ({ status, code, count }))).toEqual([
      { status: 201, code: null, count: 1 },
      { status: 401, code: "UNAUTHORIZED", count: N },
    ]);
    expect(items[0]!.id).toBe(accepted.headers.get("x-request-id"));
  });

  it("one row per outcome: junk to unknown hooks (404) and bad JSON (415) are counted apart, whatever the path", async () => {
    const tenant = await createTenant("junked");
    await awayFromMinuteBoundary();
    const unknownHooks = await Promise.all(
      Array.from({ length: 5 }, (_, index) => call(tenant.slug, `/hooks/hook_nope_${index}`, { body: "{}" })),
    );
    expect(unknownHooks.map((response) => response.status)).toEqual([404, 404, 404, 404, 404]);
    const notJson = await call(tenant.slug, "/hooks/hook_nope", { body: "<xml/>", contentType: "application/xml" });
    expect(notJson.status).toBe(415);

    const notFound = await waitForAnonymousLog(tenant.id, { status: 404, code: "NOT_FOUND" }, 5);
    expect(notFound).toMatchObject([{ source: "inbound_hook", count: 5 }]);
    expect(notFound[0]!.path).toMatch(/^\/hooks\/hook_nope_\d$/);
    expect(await waitForAnonymousLog(tenant.id, { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" })).toMatchObject([{ count: 1 }]);
    expect(await countRows("inbound_requests", tenant.id)).toBe(2);
  });

  it("an authenticated request rejected after authentication keeps its own row", async () => {
    const tenant = await createTenant("junked");
    const rejected = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { title: "no email" } });
    expect(rejected.status).toBe(400);
    expect(await waitForInboundLog(tenant.id, rejected.headers.get("x-request-id")!)).toMatchObject({ status: 400, code: "VALIDATION_FAILED", count: 1 });
  });
});
