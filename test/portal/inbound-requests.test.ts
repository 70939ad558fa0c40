import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, createTenant, waitForAnonymousLog, waitForInboundLog, type TestTenant, shardOf } from "../helpers";
import { SEED_SERVICENOW } from "../seed-bodies";
import { PortalBrowser, pageText } from "./portal-client";

const SERVICENOW_PATH = "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow";

/** Sends the request and waits for its inbound log row (written after the response). */
async function send(tenant: TestTenant, path: string, json: unknown) {
  const response = await call(tenant.slug, path, { key: tenant.key, json });
  return { response, row: await waitForInboundLog(tenant.id, response.headers.get("x-request-id")!) };
}

/** Rows of the log table. */
const rows = (html: string): string[] => [...(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0] ?? "").matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((match) => pageText(match[1]!));

describe("portal inbound log", () => {
  it("lists requests with status, code and the rejection cause", async () => {
    const tenant = await createTenant("inlog");
    const accepted = await send(tenant, TICKET_PATH, SEED_TICKET);
    const rejected = await send(tenant, TICKET_PATH, { title: "no email" });
    expect(rejected.response.status).toBe(400);
    expect(rejected.row.code).toBe("VALIDATION_FAILED");
    const recordId = (await accepted.response.json<{ id: string }>()).id;

    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal/inbound-requests");
    expect(page.status).toBe(200);
    expect(page.html).toContain('aria-current="page"');
    const [newest, oldest] = rows(page.html);
    expect(newest).toContain("helpdesk.createticket");
    expect(newest).toContain(`POST ${TICKET_PATH}`);
    expect(newest).toContain("rejected 400");
    expect(newest).toContain("VALIDATION_FAILED");
    expect(newest).toContain(rejected.row.error!);
    expect(oldest).toContain("accepted 201");
    expect(oldest).toContain(recordId);
    expect(page.html).toContain('<label for="filter-source">Source</label>');
    expect(page.html).toContain('<label for="filter-status">Status</label>');
  });

  it("shows how many requests a row counts: unauthenticated ones share a row", async () => {
    const tenant = await createTenant("inlog");
    await send(tenant, TICKET_PATH, SEED_TICKET);
    const junk = await Promise.all([1, 2, 3].map(() => call(tenant.slug, TICKET_PATH, { key: "hg_forged_key_00000000000000000000000", json: SEED_TICKET })));
    expect(junk.map((response) => response.status)).toEqual([401, 401, 401]);
    await waitForAnonymousLog(tenant.id, { status: 401, code: "UNAUTHORIZED" }, 3);

    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal/inbound-requests");
    expect(page.html).toContain("<th scope=\"col\">Count</th>");
    const [newest, oldest] = rows(page.html);
    expect(newest).toContain("rejected 401");
    expect(newest).toMatch(/ 3$/);
    expect(oldest).toContain("accepted 201");
    expect(oldest).toMatch(/ 1$/);
  });

  it("filters by source and by status, keeping the choice selected", async () => {
    const tenant = await createTenant("inlog");
    await send(tenant, TICKET_PATH, SEED_TICKET);
    await send(tenant, TICKET_PATH, { title: "no email" });
    await send(tenant, SERVICENOW_PATH, SEED_SERVICENOW);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);

    const servicenow = await browser.get("/portal/inbound-requests?source=helpdesk.servicenow&status=");
    expect(rows(servicenow.html)).toHaveLength(1);
    expect(rows(servicenow.html)[0]).toContain("helpdesk.servicenow");
    expect(servicenow.html).toContain('<option value="helpdesk.servicenow" selected="">');

    const rejected = await browser.get("/portal/inbound-requests?source=&status=4xx");
    expect(rows(rejected.html)).toHaveLength(1);
    expect(rows(rejected.html)[0]).toContain("VALIDATION_FAILED");
    expect(rejected.html).toContain('<option value="4xx" selected="">');

    const accepted = await browser.get("/portal/inbound-requests?source=helpdesk.createticket&status=2xx");
    expect(rows(accepted.html)).toHaveLength(1);
    expect(rows(accepted.html)[0]).toContain("accepted 201");

    const none = await browser.get("/portal/inbound-requests?status=5xx");
    expect(rows(none.html)).toHaveLength(0);
    expect(pageText(none.html)).toContain("No inbound requests match.");
  });

  it("answers 400 with the API's message for an invalid filter", async () => {
    const tenant = await createTenant("inlog");
    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal/inbound-requests?status=oops");
    expect(page.status).toBe(400);
    expect(pageText(page.html)).toContain("VALIDATION_FAILED");
  });

  it("pages to older requests with Older →, keeping the filters", async () => {
    const tenant = await createTenant("inlog");
    // 55 logged requests, one a millisecond, inserted directly: the page shows 50 at a time.
    const start = Date.now() - 60_000;
    const shard = await shardOf(tenant.id);
    await shard.batch(
      Array.from({ length: 55 }, (_, index) =>
        shard.prepare("INSERT INTO inbound_requests (id, tenant_id, source, method, path, status, code, error, record_id, duration_ms, received_at) VALUES (?, ?, 'hr.provisioning', 'POST', ?, 400, 'VALIDATION_FAILED', 'bad', NULL, 3, ?)").bind(
          `req-${tenant.id}-${index}`,
          tenant.id,
          `/p/${index}`,
          start + index,
        ),
      ),
    );
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const first = await browser.get("/portal/inbound-requests?source=hr.provisioning&status=4xx");
    expect(rows(first.html)).toHaveLength(50);
    expect(rows(first.html)[0]).toContain("/p/54");
    const older = /<a href="([^"]+)">Older →<\/a>/.exec(first.html)![1]!.replace(/&amp;/g, "&");
    expect(older).toContain("source=hr.provisioning");
    expect(older).toContain("status=4xx");
    const second = await browser.get(older);
    expect(rows(second.html)).toHaveLength(5);
    expect(rows(second.html)[4]).toContain("/p/0");
    expect(second.html).not.toContain("Older →");
    expect(pageText(second.html)).toContain("← Newest");
  });

  it("never shows another tenant's requests; no session goes to sign-in", async () => {
    const tenant = await createTenant("inlog");
    const other = await createTenant("inlog");
    await send(other, TICKET_PATH, { title: "other tenant's reject" });
    expect((await new PortalBrowser(tenant.slug).get("/portal/inbound-requests")).status).toBe(303);
    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal/inbound-requests");
    expect(rows(page.html)).toHaveLength(0);
    expect(pageText(page.html)).toContain("No inbound requests yet.");
  });
});
