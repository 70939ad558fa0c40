/**
 * Builds the HTTP request of one delivery attempt: the rendered body, the Standard Webhooks headers
 * (`webhook-id` stable per delivery, `webhook-timestamp`, `webhook-signature` with the current secret and
 * every replaced one until its own expiry), `user-agent`, and the subscription's callback authentication
 * (BASIC, a static BEARER token, or a token cached until it expires: IMS, fetched with the access key, or
 * OAUTH2, fetched with the client credentials grant; a token request has a hard timeout and a size cap on
 * its answer). Credentials come from sealed KV secrets and never reach a log or an attempt record.
 */
import { readConfig, type Bindings } from "../runtime/env";
import { checkCallbackUrl } from "../outbound/ssrf-guard";
import type { Subscription } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import { openCallbackSecrets, type CallbackSecrets } from "../subscriptions/callback-secrets";
import { liveSigningSecrets } from "../subscriptions/signing-secrets";
import type { DeliveryRow } from "./delivery-tables";
import { signatureHeaders } from "../outbound/signing";
import { sendOutbound, USER_AGENT } from "../outbound/transport";
import { BodyTooLargeError, readBodyText } from "../http/read-body";
import { resolveRetryPolicy, type RetryPolicyOverride } from "./retry-policy";

/** How long a token whose answer gave no `expires_in` is trusted. */
const TOKEN_FALLBACK_TTL_MS = 10 * 60 * 1000;
/** A token is dropped this long before it expires (at most a tenth of its lifetime), so it never expires in flight. */
const TOKEN_EXPIRY_MARGIN_MS = 30_000;
/** The longest a token request may take, answer included, even when the subscription allows its callback longer. */
const TOKEN_TIMEOUT_MS = 10_000;
/** The most of a token endpoint's answer that is read (a token answer is a few hundred bytes to a few KiB). */
export const TOKEN_ANSWER_LIMIT_BYTES = 64 * 1024;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** IMS and OAuth2 tokens by tenant, auth type, endpoint and client, shared by every drain of this isolate. */
const callbackTokens = new Map<string, CachedToken>();
/** Token requests under way, so concurrent attempts of one subscription wait for one request. */
const tokenRequests = new Map<string, Promise<CachedToken>>();

/**
 * A tenant's opened secrets, kept by the TenantDelivery object across drains so each is read from KV and
 * unsealed once, not once per attempt or per drain. Keyed by secret reference: a reference names one sealed
 * value for good (saving or rotating makes a new one), so a changed subscription never meets a stale secret.
 * Only complete answers are kept: a reference KV does not show yet (eventual consistency) is asked again.
 */
export class OutboundCredentials {
  private readonly callback = new Map<string, Promise<CallbackSecrets>>();
  private readonly signing = new Map<string, Promise<string[]>>();

  constructor(
    private readonly env: Bindings,
    private readonly tenantId: string,
  ) {}

  /** Development lets callbacks and token endpoints be http or private addresses (local receivers). */
  get allowPrivateNetworks(): boolean {
    return readConfig(this.env).allowPrivateNetworks;
  }

  callbackSecrets(subscription: Subscription): Promise<CallbackSecrets> {
    const ref = subscription.secretRef;
    if (!ref) return Promise.resolve({});
    let secrets = this.callback.get(ref);
    if (!secrets) {
      secrets = openCallbackSecrets(secretStore(this.env), subscription);
      this.keepIf(this.callback, ref, secrets, (opened) => Object.keys(opened).length > 0);
    }
    return secrets;
  }

  /** The secrets to sign with: the current one, plus every one it replaced until that one's own expiry. */
  signingSecrets(subscription: Subscription, now: number): Promise<string[]> {
    const refs = [subscription.signingSecretRef, ...liveSigningSecrets(subscription, now).map((previous) => previous.ref)];
    const key = refs.join("\u0000");
    let secrets = this.signing.get(key);
    if (!secrets) {
      secrets = (async () => {
        const store = secretStore(this.env);
        const opened = await Promise.all(refs.map((ref) => (ref ? store.get(this.tenantId, ref) : Promise.resolve(null))));
        return opened.filter((secret): secret is string => secret !== null);
      })();
      this.keepIf(this.signing, key, secrets, (opened) => opened.length === refs.filter(Boolean).length);
    }
    return secrets;
  }

  /** Caches `value` under `key` while it is pending, and keeps it only if it resolves complete. */
  private keepIf<T>(cache: Map<string, Promise<T>>, key: string, value: Promise<T>, complete: (opened: T) => boolean): void {
    cache.set(key, value);
    value.then(
      (opened) => {
        if (!complete(opened) && cache.get(key) === value) cache.delete(key);
      },
      () => {
        if (cache.get(key) === value) cache.delete(key);
      },
    );
  }
}

/** The token cache key of a subscription that authenticates with a fetched token; null for the other types. */
function tokenCacheKey(subscription: Subscription): string | null {
  const settings = subscription.authSettings;
  if (subscription.authType === "IMS") return ["IMS", subscription.tenantId, settings.authBaseUrl, settings.accessKey].join("\u0000");
  if (subscription.authType === "OAUTH2") return ["OAUTH2", subscription.tenantId, settings.tokenUrl, settings.clientId, settings.scope ?? ""].join("\u0000");
  return null;
}

/** The cached token under `key`, or a fresh one from `fetchToken` once it has expired or was forgotten. */
async function tokenFromCache(key: string, now: number, fetchToken: () => Promise<CachedToken>): Promise<string> {
  const cached = callbackTokens.get(key);
  if (cached && cached.expiresAt > now) return cached.token;
  let request = tokenRequests.get(key);
  if (!request) {
    request = fetchToken().finally(() => tokenRequests.delete(key));
    tokenRequests.set(key, request);
  }
  const fresh = await request;
  callbackTokens.set(key, fresh);
  return fresh.token;
}

/** `expires_in` (seconds, a number or a numeric string) as the time the token is cached until. */
function cachedUntil(expiresIn: unknown, now: number): number {
  const seconds = typeof expiresIn === "string" && expiresIn.trim() !== "" ? Number(expiresIn) : expiresIn;
  const lifetime = typeof seconds === "number" && Number.isFinite(seconds) ? seconds * 1000 : TOKEN_FALLBACK_TTL_MS;
  return now + lifetime - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetime / 10);
}

/** A token endpoint's JSON answer; a body that is not JSON is treated as empty, never echoed into an error. */
function tokenAnswer(text: string): Record<string, unknown> {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: no token in it
  }
  return body && typeof body === "object" ? (body as Record<string, unknown>) : {};
}

/** The token request's time limit: TOKEN_TIMEOUT_MS, or the subscription's attempt timeout when that is shorter. */
const tokenTimeoutMs = (subscription: Subscription): number =>
  // The column holds what retryPolicyOverrideSchema accepted when it was saved; db/ cannot name that type.
  Math.min(TOKEN_TIMEOUT_MS, resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null).timeoutMs);

/**
 * Sends a token request and reads its answer within `timeoutMs` (connection, headers and body alike) and
 * TOKEN_ANSWER_LIMIT_BYTES; `name` says which endpoint in the errors. A non-2xx answer is an error naming
 * its status only: the body may echo the secret.
 */
async function requestToken(request: Request, timeoutMs: number, name: string): Promise<Record<string, unknown>> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Abort and stop waiting: a transport that ignores the signal cannot hold the attempt past the limit either.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`${name} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const response = await Promise.race([sendOutbound(new Request(request, { signal: abort.signal })), timedOut]);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`${name} answered ${response.status}`);
    }
    return tokenAnswer(await Promise.race([readBodyText(response.body, TOKEN_ANSWER_LIMIT_BYTES, "throw"), timedOut]));
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new Error(`${name} answered more than ${TOKEN_ANSWER_LIMIT_BYTES} bytes`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A token endpoint is a URL the tenant chose, like a callback: the same SSRF guard applies before any request. */
function guardedTokenEndpoint(url: string, allowPrivate: boolean, name: string): URL {
  const check = checkCallbackUrl(url, { allowPrivate });
  if (!check.ok) throw new Error(`${name} refused: ${check.message}`);
  return check.url;
}

async function fetchImsToken(subscription: Subscription, secrets: CallbackSecrets, now: number, allowPrivate: boolean): Promise<CachedToken> {
  const settings = subscription.authSettings;
  const endpoint = guardedTokenEndpoint(`${settings.authBaseUrl}${settings.authAccessTokenPath}`, allowPrivate, "IMS login URL");
  const body = await requestToken(
    new Request(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT },
      body: JSON.stringify({ access_key: settings.accessKey, access_secret_key: secrets.accessSecretKey, tenant_id: settings.tenantId }),
      redirect: "manual",
    }),
    tokenTimeoutMs(subscription),
    "IMS login",
  );
  const token = [body.json_web_token, body.access_token, body.token].find((value): value is string => typeof value === "string");
  if (!token) throw new Error("IMS login answered without a token");
  return { token, expiresAt: cachedUntil(body.expires_in, now) };
}

/** application/x-www-form-urlencoded encoding of one value, as RFC 6749 §2.3.1 asks for the Basic credentials. */
const formEncoded = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

/** The OAuth2 client credentials grant (RFC 6749 §4.4), the client authenticating with HTTP Basic. */
async function fetchOAuth2Token(subscription: Subscription, secrets: CallbackSecrets, now: number, allowPrivate: boolean): Promise<CachedToken> {
  const settings = subscription.authSettings;
  const endpoint = guardedTokenEndpoint(settings.tokenUrl ?? "", allowPrivate, "OAuth2 token URL");
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (settings.scope) form.set("scope", settings.scope);
  const client = new TextEncoder().encode(`${formEncoded(settings.clientId ?? "")}:${formEncoded(secrets.clientSecret ?? "")}`);
  const body = await requestToken(
    new Request(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: `Basic ${btoa(String.fromCharCode(...client))}`,
        "user-agent": USER_AGENT,
      },
      body: form.toString(),
      redirect: "manual",
    }),
    tokenTimeoutMs(subscription),
    "OAuth2 token endpoint",
  );
  if (typeof body.access_token !== "string" || body.access_token === "") throw new Error("OAuth2 token endpoint answered without an access_token");
  return { token: body.access_token, expiresAt: cachedUntil(body.expires_in, now) };
}

/** Whether the subscription sends a fetched, cached token, which a 401 from its callback should refresh once. */
export const authenticatesWithToken = (subscription: Subscription): boolean => tokenCacheKey(subscription) !== null;

/** Forgets a subscription's cached token (the receiver answered 401: it will be fetched again once). */
export function forgetCallbackToken(subscription: Subscription): void {
  const key = tokenCacheKey(subscription);
  if (key) callbackTokens.delete(key);
}

async function authorization(subscription: Subscription, credentials: OutboundCredentials, now: number): Promise<string | null> {
  const type = subscription.authType;
  if (type === "NO_AUTH") return null;
  const secrets = await credentials.callbackSecrets(subscription);
  if (type === "BASIC") {
    const pair = new TextEncoder().encode(`${subscription.authSettings.username ?? ""}:${secrets.password ?? ""}`);
    return `Basic ${btoa(String.fromCharCode(...pair))}`;
  }
  if (type === "BEARER") return `Bearer ${secrets.token ?? ""}`;
  const key = tokenCacheKey(subscription)!;
  if (type === "OAUTH2") return `Bearer ${await tokenFromCache(key, now, () => fetchOAuth2Token(subscription, secrets, now, credentials.allowPrivateNetworks))}`;
  const token = await tokenFromCache(key, now, () => fetchImsToken(subscription, secrets, now, credentials.allowPrivateNetworks));
  return `${subscription.authSettings.authHeaderTokenName ?? "IMS-JWT"} ${token}`;
}

export async function buildOutboundRequest(
  delivery: Pick<DeliveryRow, "id" | "body" | "content_type">,
  subscription: Subscription,
  credentials: OutboundCredentials,
  now: number,
): Promise<Request> {
  const headers = new Headers({ "content-type": delivery.content_type, "user-agent": USER_AGENT });
  const signing = await signatureHeaders({
    id: delivery.id,
    timestamp: Math.floor(now / 1000),
    body: delivery.body,
    secrets: await credentials.signingSecrets(subscription, now),
  });
  for (const [name, value] of Object.entries(signing)) headers.set(name, value);
  const auth = await authorization(subscription, credentials, now);
  if (auth) headers.set("authorization", auth);
  return new Request(subscription.callbackUrl, { method: "POST", headers, body: delivery.body, redirect: "manual" });
}

/**
 * The request of a lifecycle hook delivery (issue 8): the rendered Cymmetri envelope to the delivery's own
 * URL (`{baseUrl}/{hook}`), with the tenant's Bearer token, and `webhook-id`/`webhook-timestamp` so the
 * receiver can drop duplicates (no signature: lifecycle hooks authenticate with the token, as in seed 001).
 */
export async function buildLifecycleRequest(delivery: Pick<DeliveryRow, "id" | "body" | "content_type"> & { url: string }, token: string, now: number): Promise<Request> {
  const headers = new Headers({ "content-type": delivery.content_type, "user-agent": USER_AGENT });
  for (const [name, value] of Object.entries(await signatureHeaders({ id: delivery.id, timestamp: Math.floor(now / 1000), body: delivery.body, secrets: [] }))) {
    headers.set(name, value);
  }
  headers.set("authorization", `Bearer ${token}`);
  return new Request(delivery.url, { method: "POST", headers, body: delivery.body, redirect: "manual" });
}
