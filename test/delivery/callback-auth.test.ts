/**
 * Callback authentication of AR webhook deliveries beyond BASIC and IMS (issue 6): a static BEARER token, and
 * OAUTH2 client credentials whose access token is cached until shortly before it expires and refetched once
 * on a 401. Every secret stays out of D1, attempt records and console lines.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTenant, type TestTenant, shardOf } from "../helpers";
import { TOKEN_ANSWER_LIMIT_BYTES } from "../../src/delivery/callback-tokens";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, type Received, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => {
  receiver?.restore();
  vi.restoreAllMocks();
});

const CLIENT_SECRET = "oauth-client-secret-never-shown";
const BEARER_TOKEN = "static-bearer-token-never-shown";

/** The token endpoint lives under the receiver's URL, so the same transport answers it. */
const tokenUrlOf = (target: Receiver) => `${target.url}/token`;
const isTokenRequest = (request: Received) => request.url.endsWith("/hook/token");

const oauth2 = (target: Receiver, extra: Record<string, unknown> = {}) => ({
  type: "OAUTH2",
  tokenUrl: tokenUrlOf(target),
  clientId: "client-1",
  clientSecret: CLIENT_SECRET,
  ...extra,
});

/** A token endpoint that hands out `token-1`, `token-2`, … valid for `expiresIn` seconds. */
function tokenEndpoint(expiresIn = 3600) {
  let issued = 0;
  return () => Response.json({ access_token: `token-${++issued}`, token_type: "Bearer", expires_in: expiresIn });
}

const tokenRequests = (target: Receiver) => target.received.filter(isTokenRequest);
const callbackAuthorizations = (target: Receiver) => target.received.filter((request) => !isTokenRequest(request)).map((request) => request.headers.get("authorization"));

const attemptRows = async (tenant: TestTenant) =>
  (await (await shardOf(tenant.id)).prepare("SELECT * FROM delivery_attempts WHERE tenant_id = ? ORDER BY started_at, attempt").bind(tenant.id).all<Record<string, unknown>>()).results;

describe("BEARER callback authentication", () => {
  it("sends the stored token as `Authorization: Bearer`", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("bearer");
    await subscribe(tenant, { url: receiver.url, authentication: { type: "bearer", token: BEARER_TOKEN } });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(callbackAuthorizations(receiver)).toEqual([`Bearer ${BEARER_TOKEN}`]);
  });
});

describe("OAUTH2 client credentials callback authentication", () => {
  it("fetches a token with HTTP Basic client authentication and grant_type, and reuses it across deliveries", async () => {
    const issue = tokenEndpoint();
    receiver = startReceiver((request) => (isTokenRequest(request) ? issue() : new Response("ok")));
    const tenant = await createTenant("oauth2");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver, { scope: "webhooks.write events.read" }) });
    for (const n of [1, 2, 3, 4]) await createEntry(tenant, { n });
    await settle(tenant.id);
    const [login, ...more] = tokenRequests(receiver);
    expect(more).toEqual([]);
    expect(login!.headers.get("authorization")).toBe(`Basic ${btoa(`client-1:${CLIENT_SECRET}`)}`);
    expect(login!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(login!.body))).toEqual({ grant_type: "client_credentials", scope: "webhooks.write events.read" });
    expect(callbackAuthorizations(receiver)).toEqual(Array(4).fill("Bearer token-1"));
    expect((await listDeliveries(tenant)).map((delivery) => delivery.status)).toEqual(Array(4).fill("delivered"));
  });

  it("sends no scope when none is set, and form-encodes the client credentials (RFC 6749 §2.3.1)", async () => {
    const issue = tokenEndpoint();
    receiver = startReceiver((request) => (isTokenRequest(request) ? issue() : new Response("ok")));
    const tenant = await createTenant("oauth2-enc");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver, { clientId: "client one:x", clientSecret: "s&cret" }) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [login] = tokenRequests(receiver);
    expect(login!.body).toBe("grant_type=client_credentials");
    expect(login!.headers.get("authorization")).toBe(`Basic ${btoa("client+one%3Ax:s%26cret")}`);
  });

  it("fetches a new token once the cached one is about to expire", async () => {
    const issue = tokenEndpoint(2);
    receiver = startReceiver((request) => (isTokenRequest(request) ? issue() : new Response("ok")));
    const tenant = await createTenant("oauth2-exp");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver) });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(tokenRequests(receiver)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await createEntry(tenant, { n: 3 });
    await settle(tenant.id);
    expect(tokenRequests(receiver)).toHaveLength(2);
    expect(callbackAuthorizations(receiver)).toEqual(["Bearer token-1", "Bearer token-1", "Bearer token-2"]);
  });

  it("a 401 from the callback drops the cached token, fetches a new one and retries exactly once", async () => {
    const issue = tokenEndpoint();
    let rejectNext = false;
    receiver = startReceiver((request) => {
      if (isTokenRequest(request)) return issue();
      if (rejectNext) {
        rejectNext = false;
        return new Response("token revoked", { status: 401 });
      }
      return new Response("ok");
    });
    const tenant = await createTenant("oauth2-401");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    rejectNext = true;
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const sequence = receiver.received.map((request) => (isTokenRequest(request) ? "token" : request.headers.get("authorization")));
    expect(sequence).toEqual(["token", "Bearer token-1", "Bearer token-1", "token", "Bearer token-2"]);
    expect((await listDeliveries(tenant)).map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
    ]);
  });

  it("a callback that keeps answering 401 gets one retry per attempt, not more", async () => {
    const issue = tokenEndpoint();
    receiver = startReceiver((request) => (isTokenRequest(request) ? issue() : new Response("no", { status: 401 })));
    const tenant = await createTenant("oauth2-401s");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver), maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const sequence = receiver.received.map((request) => (isTokenRequest(request) ? "token" : request.headers.get("authorization")));
    expect(sequence).toEqual(["token", "Bearer token-1", "token", "Bearer token-2"]);
    expect((await listDeliveries(tenant))[0]).toMatchObject({ status: "dead", attempts: 1, lastStatus: 401 });
  });

  it("a token endpoint failure fails the attempt, which is retried; the error names the status, never the secret", async () => {
    const issue = tokenEndpoint();
    let failures = 1;
    receiver = startReceiver((request) => {
      if (!isTokenRequest(request)) return new Response("ok");
      if (failures-- > 0) return new Response(`invalid_client ${CLIENT_SECRET}`, { status: 500 });
      return issue();
    });
    const tenant = await createTenant("oauth2-500");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received.map((request) => (isTokenRequest(request) ? "token" : "callback"))).toEqual(["token", "token", "callback"]);
    expect((await listDeliveries(tenant))[0]).toMatchObject({ status: "delivered", attempts: 2 });
    const rows = await attemptRows(tenant);
    expect(rows.map((row) => [row.attempt, row.status_code, row.error])).toEqual([
      [1, null, "OAuth2 token endpoint answered 500"],
      [2, 200, null],
    ]);
    expect(JSON.stringify(rows)).not.toContain(CLIENT_SECRET);
  });

  it("a token URL on a private address is refused by the SSRF guard before any request, like a callback URL", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("oauth2-ssrf");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver, { tokenUrl: "https://169.254.169.254/latest/token" }), maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received).toEqual([]);
    const rows = await attemptRows(tenant);
    expect(rows.map((row) => [row.attempt, row.status_code])).toEqual([[1, null]]);
    expect(String(rows[0]!.error)).toMatch(/^OAuth2 token URL refused: /);
  });

  it("tokens are never shared between tenants or clients", async () => {
    const issue = tokenEndpoint();
    receiver = startReceiver((request) => (isTokenRequest(request) ? issue() : new Response("ok")));
    const a = await createTenant("oauth2-a");
    const b = await createTenant("oauth2-b");
    await subscribe(a, { url: receiver.url, authentication: oauth2(receiver) });
    await subscribe(b, { url: receiver.url, authentication: oauth2(receiver) });
    await subscribe(b, { url: `${receiver.url}/other`, authentication: oauth2(receiver, { clientId: "client-2" }) });
    await createEntry(a, { n: 1 });
    await settle(a.id);
    await createEntry(b, { n: 1 });
    await settle(b.id);
    expect(tokenRequests(receiver)).toHaveLength(3);
    expect(new Set(callbackAuthorizations(receiver))).toEqual(new Set(["Bearer token-1", "Bearer token-2", "Bearer token-3"]));
  });
});

describe("token requests: a hard timeout and a cap on the answer", () => {
  const ims = (target: Receiver) => ({
    type: "IMS",
    accessKey: "access-key",
    accessSecretKey: "ims-secret-never-shown",
    tenantId: "1697761359",
    authBaseUrl: target.url,
    authAccessTokenPath: "/token",
  });
  /** A subscription whose single attempt is limited to 500 ms, so the token request is too. */
  const oneAttempt = { maxAttempts: 1, timeoutMs: 500 };

  async function expectFailedAttempt(tenant: TestTenant, target: Receiver, error: string): Promise<void> {
    expect(target.received.filter((request) => !isTokenRequest(request))).toEqual([]);
    expect((await listDeliveries(tenant))[0]).toMatchObject({ status: "dead", attempts: 1, lastStatus: null });
    const rows = await attemptRows(tenant);
    expect(rows.map((row) => [row.attempt, row.status_code, row.error])).toEqual([[1, null, error]]);
    expect(Number(rows[0]!.duration_ms)).toBeLessThan(5_000);
  }

  it("an OAuth2 token endpoint that never answers fails the attempt at the subscription's timeout; nothing reaches the callback", async () => {
    receiver = startReceiver((request) => (isTokenRequest(request) ? new Promise<Response>(() => undefined) : new Response("ok")));
    const tenant = await createTenant("oauth2-hang");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver), ...oneAttempt });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(tokenRequests(receiver)).toHaveLength(1);
    await expectFailedAttempt(tenant, receiver, "OAuth2 token endpoint timed out after 500 ms");
  });

  it("an IMS login that sends its headers and then stalls the body times out the same way", async () => {
    const stalled = () => new Response(new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"json_web_token":')) }), { status: 200 });
    receiver = startReceiver((request) => (isTokenRequest(request) ? stalled() : new Response("ok")));
    const tenant = await createTenant("ims-stall");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver), ...oneAttempt });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    await expectFailedAttempt(tenant, receiver, "IMS login timed out after 500 ms");
  });

  it("a 1 MiB token answer is refused after 64 KiB, for OAuth2 and IMS alike", async () => {
    const huge = "t".repeat(1024 * 1024);
    receiver = startReceiver((request) =>
      isTokenRequest(request) ? Response.json({ access_token: huge, json_web_token: huge, expires_in: 3600 }) : new Response("ok"),
    );
    const tenant = await createTenant("oauth2-huge");
    await subscribe(tenant, { url: receiver.url, authentication: oauth2(receiver), ...oneAttempt });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    await expectFailedAttempt(tenant, receiver, `OAuth2 token endpoint answered more than ${TOKEN_ANSWER_LIMIT_BYTES} bytes`);

    const imsTenant = await createTenant("ims-huge");
    await subscribe(imsTenant, { url: receiver.url, authentication: ims(receiver), ...oneAttempt });
    await createEntry(imsTenant, { n: 1 });
    await settle(imsTenant.id);
    await expectFailedAttempt(imsTenant, receiver, `IMS login answered more than ${TOKEN_ANSWER_LIMIT_BYTES} bytes`);
  });
});

describe("callback secrets stay secret", () => {
  it("neither the bearer token nor the client secret reaches D1 or a console line", async () => {
    const lines = [vi.spyOn(console, "log").mockImplementation(() => undefined), vi.spyOn(console, "warn").mockImplementation(() => undefined)];
    const issue = tokenEndpoint();
    let tokenFailures = 1;
    receiver = startReceiver((request, index) => {
      if (isTokenRequest(request)) return tokenFailures-- > 0 ? new Response("down", { status: 500 }) : issue();
      return index % 3 === 0 ? new Response("unauthorized", { status: 401 }) : new Response("ok");
    });
    const tenant = await createTenant("oauth2-leak");
    await subscribe(tenant, { url: receiver.url, authentication: { type: "BEARER", token: BEARER_TOKEN } });
    await subscribe(tenant, { url: `${receiver.url}/oauth2`, authentication: oauth2(receiver) });
    for (const n of [1, 2, 3]) await createEntry(tenant, { n });
    await settle(tenant.id);
    expect(tokenRequests(receiver).length).toBeGreaterThan(1);
    const subscriptionRows = await env.DB.prepare("SELECT * FROM subscriptions WHERE tenant_id = ?").bind(tenant.id).all();
    const stored = JSON.stringify([subscriptionRows.results, await attemptRows(tenant)]);
    const logged = JSON.stringify(lines.flatMap((spy) => spy.mock.calls));
    for (const secret of [BEARER_TOKEN, CLIENT_SECRET]) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain("delivery_attempt");
  });
});

describe("IMS token refresh (authRefreshTokenPath)", () => {
  const LOGIN = "/ims/api/v1/access_keys/login";
  const REFRESH = "/ims/api/v1/auth/tokens";
  const ACCESS_SECRET = "ims-access-secret-never-shown";
  const kindOf = (request: Received) => (request.url.endsWith(LOGIN) ? "login" : request.url.endsWith(REFRESH) ? "refresh" : "callback");

  /**
   * A local IMS: logins answer `jwt-login-N` with the refresh token `refresh-N`; refreshes of a known refresh token
   * answer `jwt-refresh-M`; each JWT lives `expiresIn` seconds. Counts logins and refreshes apart.
   */
  function imsServer(options: { expiresIn?: number; loginAnswer?: (n: number) => Record<string, unknown>; refuseRefresh?: () => boolean } = {}) {
    const counts = { login: 0, refresh: 0 };
    const issuedRefreshTokens = new Set<string>();
    const answer = (request: Received): Response | null => {
      if (request.url.endsWith(LOGIN)) {
        const n = ++counts.login;
        issuedRefreshTokens.add(`refresh-${n}`);
        return Response.json(options.loginAnswer?.(n) ?? { json_web_token: `jwt-login-${n}`, token: `refresh-${n}`, expires_in: options.expiresIn ?? 3600 });
      }
      if (request.url.endsWith(REFRESH)) {
        counts.refresh++;
        if (options.refuseRefresh?.() || !issuedRefreshTokens.has(String(request.json.token))) return Response.json({ error: "invalid refresh token" }, { status: 401 });
        return Response.json({ json_web_token: `jwt-refresh-${counts.refresh}`, expires_in: options.expiresIn ?? 3600 });
      }
      return null;
    };
    return { counts, answer };
  }

  const ims = (target: Receiver, extra: Record<string, unknown> = {}) => ({
    type: "IMS",
    accessKey: "AK",
    accessSecretKey: ACCESS_SECRET,
    tenantId: "1697761359",
    authBaseUrl: `${target.url}/ims-host`,
    authAccessTokenPath: LOGIN,
    authRefreshTokenPath: REFRESH,
    authHeaderTokenName: "IMS-JWT",
    ...extra,
  });
  const callbackAuthorizationsOf = (target: Receiver) => target.received.filter((request) => kindOf(request) === "callback").map((request) => request.headers.get("authorization"));
  const sequenceOf = (target: Receiver) => target.received.map((request) => (kindOf(request) === "callback" ? request.headers.get("authorization") : kindOf(request)));

  it("renews an expired token at the refresh path with the login's refresh token, not with a new login", async () => {
    const server = imsServer({ expiresIn: 1 });
    receiver = startReceiver((request) => server.answer(request) ?? new Response("ok"));
    const tenant = await createTenant("ims-refresh");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(server.counts).toEqual({ login: 1, refresh: 1 });
    expect(sequenceOf(receiver)).toEqual(["login", "IMS-JWT jwt-login-1", "refresh", "IMS-JWT jwt-refresh-1"]);
    const [login, refresh] = receiver.received.filter((request) => kindOf(request) !== "callback");
    expect(login!.url).toBe(`${receiver.url}/ims-host${LOGIN}`);
    expect(login!.json).toEqual({ access_key: "AK", access_secret_key: ACCESS_SECRET, tenant_id: "1697761359" });
    expect(refresh!.url).toBe(`${receiver.url}/ims-host${REFRESH}`);
    expect(refresh!.headers.get("content-type")).toBe("application/json");
    expect(refresh!.json).toEqual({ token: "refresh-1" });
    expect(refresh!.body).not.toContain(ACCESS_SECRET);
  });

  it("a 401 from the callback renews the token with a refresh, and the retry carries it", async () => {
    const server = imsServer();
    let rejectNext = false;
    receiver = startReceiver((request) => {
      const token = server.answer(request);
      if (token) return token;
      if (rejectNext) {
        rejectNext = false;
        return new Response("expired", { status: 401 });
      }
      return new Response("ok");
    });
    const tenant = await createTenant("ims-refresh-401");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    rejectNext = true;
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(sequenceOf(receiver)).toEqual(["login", "IMS-JWT jwt-login-1", "IMS-JWT jwt-login-1", "refresh", "IMS-JWT jwt-refresh-1"]);
    expect(server.counts).toEqual({ login: 1, refresh: 1 });
    expect((await listDeliveries(tenant)).map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
    ]);
  });

  it("a refused refresh falls back to a login with the access key in the same attempt", async () => {
    let refuse = false;
    const server = imsServer({ expiresIn: 1, refuseRefresh: () => refuse });
    receiver = startReceiver((request) => server.answer(request) ?? new Response("ok"));
    const tenant = await createTenant("ims-refresh-refused");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    refuse = true;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(sequenceOf(receiver)).toEqual(["login", "IMS-JWT jwt-login-1", "refresh", "login", "IMS-JWT jwt-login-2"]);
    expect(server.counts).toEqual({ login: 2, refresh: 1 });
    expect((await listDeliveries(tenant)).map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
    ]);
    expect(JSON.stringify(await attemptRows(tenant))).not.toContain(ACCESS_SECRET);
  });

  it("a login answering only `token` (IMS's two-step flow) is exchanged at the refresh path at once", async () => {
    const server = imsServer({ loginAnswer: (n) => ({ token: `refresh-${n}` }) });
    receiver = startReceiver((request) => server.answer(request) ?? new Response("ok"));
    const tenant = await createTenant("ims-two-step");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver) });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(sequenceOf(receiver)).toEqual(["login", "refresh", "IMS-JWT jwt-refresh-1", "IMS-JWT jwt-refresh-1"]);
  });

  it("without authRefreshTokenPath every new token is a login, as before", async () => {
    const server = imsServer({ expiresIn: 1 });
    receiver = startReceiver((request) => server.answer(request) ?? new Response("ok"));
    const tenant = await createTenant("ims-no-refresh");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver, { authRefreshTokenPath: null }) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(server.counts).toEqual({ login: 2, refresh: 0 });
    expect(callbackAuthorizationsOf(receiver)).toEqual(["IMS-JWT jwt-login-1", "IMS-JWT jwt-login-2"]);
  });

  it("a refresh that never answers and a login after it share one time limit: the attempt fails at the timeout", async () => {
    let hangRefresh = false;
    const server = imsServer({ expiresIn: 1 });
    receiver = startReceiver((request) => (hangRefresh && kindOf(request) === "refresh" ? new Promise<Response>(() => undefined) : (server.answer(request) ?? new Response("ok"))));
    const tenant = await createTenant("ims-refresh-hang");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver), timeoutMs: 500, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    hangRefresh = true;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const rows = await attemptRows(tenant);
    const failed = rows.find((row) => row.error !== null);
    expect(failed).toMatchObject({ error: "IMS token refresh timed out after 500 ms", status_code: null });
    expect(Number(failed!.duration_ms)).toBeLessThan(5_000);
    // The failed refresh dropped the refresh token: the retry logs in and delivers.
    expect(sequenceOf(receiver).slice(-2)).toEqual(["login", "IMS-JWT jwt-login-2"]);
    expect((await listDeliveries(tenant)).map((delivery) => delivery.status)).toEqual(["delivered", "delivered"]);
  });

  it("a 1 MiB refresh answer is cut at 64 KiB and counts as a failed refresh: the login takes over", async () => {
    let huge = false;
    const server = imsServer({ expiresIn: 1 });
    receiver = startReceiver((request) =>
      huge && kindOf(request) === "refresh" ? Response.json({ json_web_token: "t".repeat(1024 * 1024) }) : (server.answer(request) ?? new Response("ok")),
    );
    const tenant = await createTenant("ims-refresh-huge");
    await subscribe(tenant, { url: receiver.url, authentication: ims(receiver) });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    huge = true;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect(sequenceOf(receiver)).toEqual(["login", "IMS-JWT jwt-login-1", "refresh", "login", "IMS-JWT jwt-login-2"]);
  });
});
