/**
 * The fetched tokens of callback authentication, cached per isolate by tenant, auth type, endpoint and client:
 * IMS (seed 003: log in with the access key at `authAccessTokenPath`; when `authRefreshTokenPath` is set, a
 * token that expired is renewed there with the refresh token the login answered, and only a refused or failed
 * refresh falls back to a new login) and OAUTH2 (the client credentials grant). Every token request is guarded
 * by the SSRF check, has a hard time limit (one budget for a refresh and the login after it) and reads at most
 * TOKEN_ANSWER_LIMIT_BYTES of the answer; a failure names the endpoint and status, never a secret.
 */
import { checkCallbackUrl } from "../outbound/ssrf-guard";
import type { Subscription } from "../db/schema";
import type { CallbackSecrets } from "../subscriptions/callback-secrets";
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
  /** IMS only: what renews `token` once it expires, at `authRefreshTokenPath` (kept after `token` expires). */
  refreshToken?: string;
}

/** Tokens by tenant, auth type, endpoint and client, shared by every drain of this isolate. */
const callbackTokens = new Map<string, CachedToken>();
/** Token requests under way, so concurrent attempts of one subscription wait for one request. */
const tokenRequests = new Map<string, Promise<CachedToken>>();

/** The token cache key of a subscription that authenticates with a fetched token; null for the other types. */
function tokenCacheKey(subscription: Subscription): string | null {
  const settings = subscription.authSettings;
  if (subscription.authType === "IMS") return ["IMS", subscription.tenantId, settings.authBaseUrl, settings.accessKey].join("\u0000");
  if (subscription.authType === "OAUTH2") return ["OAUTH2", subscription.tenantId, settings.tokenUrl, settings.clientId, settings.scope ?? ""].join("\u0000");
  return null;
}

/**
 * The cached token under `key`, or a fresh one from `fetchToken` (given what is cached, e.g. a refresh token)
 * once it has expired or was forgotten. A failed fetch forgets the entry, refresh token included: the next
 * fetch starts from a login.
 */
async function tokenFromCache(key: string, now: number, fetchToken: (previous: CachedToken | undefined) => Promise<CachedToken>): Promise<string> {
  const cached = callbackTokens.get(key);
  if (cached && cached.expiresAt > now) return cached.token;
  let request = tokenRequests.get(key);
  if (!request) {
    request = fetchToken(cached).finally(() => tokenRequests.delete(key));
    tokenRequests.set(key, request);
    request.catch(() => {
      if (callbackTokens.get(key) === cached) callbackTokens.delete(key);
    });
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

/** The first of `values` that is a non-empty string. */
const firstText = (...values: unknown[]): string | undefined => values.find((value): value is string => typeof value === "string" && value !== "");

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

const jsonPost = (endpoint: URL, body: unknown): Request =>
  new Request(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": USER_AGENT },
    body: JSON.stringify(body),
    redirect: "manual",
  });

/**
 * Renews an IMS token at `authRefreshTokenPath`: POST `{"token": <refresh token>}`, answered with a new
 * `json_web_token` (and, when IMS rotates it, a new `refresh_token`; otherwise the same one stays).
 */
async function refreshImsToken(subscription: Subscription, refreshToken: string, now: number, timeoutMs: number, allowPrivate: boolean): Promise<CachedToken> {
  const settings = subscription.authSettings;
  const endpoint = guardedTokenEndpoint(`${settings.authBaseUrl}${settings.authRefreshTokenPath}`, allowPrivate, "IMS token refresh URL");
  const body = await requestToken(jsonPost(endpoint, { token: refreshToken }), timeoutMs, "IMS token refresh");
  const token = firstText(body.json_web_token, body.access_token);
  if (!token) throw new Error("IMS token refresh answered without a token");
  return { token, expiresAt: cachedUntil(body.expires_in, now), refreshToken: firstText(body.refresh_token) ?? refreshToken };
}

/**
 * An IMS token: renewed with the cached refresh token when `authRefreshTokenPath` is set and one is cached,
 * else (or when the refresh fails, within what is left of the time limit) a login with the access key. A login
 * that answers both `json_web_token` and `token` gives the access token and the refresh token; one that
 * answers only `token` (IMS's two-step flow) is exchanged at the refresh path at once when one is set.
 */
async function fetchImsToken(subscription: Subscription, secrets: CallbackSecrets, now: number, allowPrivate: boolean, previous: CachedToken | undefined): Promise<CachedToken> {
  const settings = subscription.authSettings;
  const limitMs = tokenTimeoutMs(subscription);
  const deadline = Date.now() + limitMs;
  const remaining = () => Math.max(0, deadline - Date.now());
  const refreshes = Boolean(settings.authRefreshTokenPath);
  let loginTimeoutMs = limitMs;
  if (refreshes && previous?.refreshToken) {
    try {
      return await refreshImsToken(subscription, previous.refreshToken, now, limitMs, allowPrivate);
    } catch (error) {
      // Expired or refused: log in again, unless the refresh used up the whole time limit.
      loginTimeoutMs = remaining();
      if (loginTimeoutMs === 0) throw error;
    }
  }
  const endpoint = guardedTokenEndpoint(`${settings.authBaseUrl}${settings.authAccessTokenPath}`, allowPrivate, "IMS login URL");
  const body = await requestToken(
    jsonPost(endpoint, { access_key: settings.accessKey, access_secret_key: secrets.accessSecretKey, tenant_id: settings.tenantId }),
    loginTimeoutMs,
    "IMS login",
  );
  const accessToken = firstText(body.json_web_token, body.access_token);
  const sessionToken = firstText(body.refresh_token, body.token);
  if (!accessToken && sessionToken && refreshes) return refreshImsToken(subscription, sessionToken, now, remaining(), allowPrivate);
  const token = accessToken ?? sessionToken;
  if (!token) throw new Error("IMS login answered without a token");
  const refreshToken = refreshes && sessionToken !== undefined && sessionToken !== token ? sessionToken : undefined;
  return { token, expiresAt: cachedUntil(body.expires_in, now), ...(refreshToken === undefined ? {} : { refreshToken }) };
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

/**
 * Forgets a subscription's cached token (the receiver answered 401): the next attempt fetches a new one, with the
 * IMS refresh token when there is one (kept), else by logging in.
 */
export function forgetCallbackToken(subscription: Subscription): void {
  const key = tokenCacheKey(subscription);
  const cached = key === null ? undefined : callbackTokens.get(key);
  if (key === null || !cached) return;
  if (cached.refreshToken === undefined) callbackTokens.delete(key);
  else callbackTokens.set(key, { ...cached, expiresAt: 0 });
}

/** The `Authorization` value of an IMS or OAUTH2 subscription, from the cache or a token request. */
export async function fetchedTokenAuthorization(subscription: Subscription, secrets: CallbackSecrets, now: number, allowPrivate: boolean): Promise<string> {
  const key = tokenCacheKey(subscription);
  if (key === null) throw new Error(`${subscription.authType} authentication does not fetch a token`);
  if (subscription.authType === "OAUTH2") return `Bearer ${await tokenFromCache(key, now, () => fetchOAuth2Token(subscription, secrets, now, allowPrivate))}`;
  const token = await tokenFromCache(key, now, (previous) => fetchImsToken(subscription, secrets, now, allowPrivate, previous));
  return `${subscription.authSettings.authHeaderTokenName ?? "IMS-JWT"} ${token}`;
}
