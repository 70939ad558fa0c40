/**
 * Builds the HTTP request of one delivery attempt: the rendered body, the Standard Webhooks headers
 * (`webhook-id` stable per delivery, `webhook-timestamp`, `webhook-signature` with the current secret and
 * every replaced one until its own expiry), `user-agent`, and the subscription's callback authentication
 * (BASIC, a static BEARER token, or a fetched token cached until it expires: IMS or OAUTH2, see
 * callback-tokens.ts). Credentials come from sealed KV secrets and never reach a log or an attempt record.
 */
import { readConfig, type Bindings } from "../runtime/env";
import type { Subscription } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import { openCallbackSecrets, type CallbackSecrets } from "../subscriptions/callback-secrets";
import { liveSigningSecrets } from "../subscriptions/signing-secrets";
import type { DeliveryRow } from "./delivery-tables";
import { signatureHeaders } from "../outbound/signing";
import { USER_AGENT } from "../outbound/transport";
import { fetchedTokenAuthorization } from "./callback-tokens";

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

async function authorization(subscription: Subscription, credentials: OutboundCredentials, now: number): Promise<string | null> {
  const type = subscription.authType;
  if (type === "NO_AUTH") return null;
  const secrets = await credentials.callbackSecrets(subscription);
  if (type === "BASIC") {
    const pair = new TextEncoder().encode(`${subscription.authSettings.username ?? ""}:${secrets.password ?? ""}`);
    return `Basic ${btoa(String.fromCharCode(...pair))}`;
  }
  if (type === "BEARER") return `Bearer ${secrets.token ?? ""}`;
  return fetchedTokenAuthorization(subscription, secrets, now, credentials.allowPrivateNetworks);
}

export async function buildOutboundRequest(
  /** The body as sent: text, or the bytes of a multipart callback with files (signed as the exact bytes). */
  delivery: { id: string; body: string | Uint8Array; content_type: string },
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
  return buildSignedRequest(delivery, [], now, { authorization: `Bearer ${token}` });
}

/**
 * A POST of the delivery's body to its own URL with Standard Webhooks headers, signed with `secrets` (none: the
 * id and timestamp only): lifecycle hooks (with their Bearer token) and operational webhooks (with their secret).
 */
export async function buildSignedRequest(
  delivery: Pick<DeliveryRow, "id" | "body" | "content_type"> & { url: string },
  secrets: readonly string[],
  now: number,
  extraHeaders: Record<string, string> = {},
): Promise<Request> {
  const headers = new Headers({ "content-type": delivery.content_type, "user-agent": USER_AGENT });
  for (const [name, value] of Object.entries(await signatureHeaders({ id: delivery.id, timestamp: Math.floor(now / 1000), body: delivery.body, secrets: [...secrets] }))) {
    headers.set(name, value);
  }
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  return new Request(delivery.url, { method: "POST", headers, body: delivery.body, redirect: "manual" });
}
