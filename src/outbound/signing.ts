/**
 * Standard Webhooks v1 signatures (https://www.standardwebhooks.com): the `webhook-id`, `webhook-timestamp`
 * and `webhook-signature` headers of every outbound delivery, signing secrets in the `whsec_` format, and
 * verification of inbound hooks signed the same way. Web Crypto only; the clock is passed in.
 */
import { fromBase64, randomBytes, toBase64 } from "../runtime/crypto";

const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

/** After a rotation the previous secret keeps signing, next to the new one, for this long. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** How far an inbound `webhook-timestamp` may be from our clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export interface SignatureHeaders {
  /** Stable per delivery, the same on every retry: receivers drop duplicates by it. */
  "webhook-id": string;
  /** Seconds since the epoch, of this attempt. */
  "webhook-timestamp": string;
  /** `v1,<base64>` per secret, space-separated; absent when the subscription has no signing secret. */
  "webhook-signature"?: string;
}

export interface SignatureInput {
  id: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string | Uint8Array;
  /** The secrets that sign: the current one first and, during a rotation, the previous one. */
  secrets: readonly string[];
}

/** The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
function secretKeyBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(encoded);
  } catch {
    // The message never includes the secret itself.
    throw new Error("Signing secret is not whsec_ followed by base64");
  }
  if (bytes.length === 0) throw new Error("Signing secret is empty");
  return bytes;
}

/** The message a signature covers: `id.timestamp.body`, as bytes. */
function signedContent(id: string, timestamp: number | string, body: string | Uint8Array): Uint8Array {
  // A text body (every delivery) is encoded in one pass, with no second buffer to copy into.
  if (typeof body === "string") return encoder.encode(`${id}.${timestamp}.${body}`);
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const payload = typeof body === "string" ? encoder.encode(body) : body;
  const content = new Uint8Array(prefix.length + payload.length);
  content.set(prefix);
  content.set(payload, prefix.length);
  return content;
}

/** Imported HMAC keys by secret, so a secret is decoded and imported once per isolate, not once per signature. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const HMAC_KEY_CACHE_MAX = 512;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (key) {
    // Most recently used last, so the oldest unused key is the one dropped when the cache is full.
    hmacKeys.delete(secret);
    hmacKeys.set(secret, key);
    return key;
  }
  key = crypto.subtle.importKey("raw", secretKeyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  if (hmacKeys.size >= HMAC_KEY_CACHE_MAX) hmacKeys.delete(hmacKeys.keys().next().value!);
  hmacKeys.set(secret, key);
  key.catch(() => hmacKeys.delete(secret));
  return key;
}

async function hmacSha256(secret: string, content: Uint8Array): Promise<Uint8Array> {
  const key = await hmacKey(secret);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, content));
}

/** The Standard Webhooks headers of one attempt: one `v1` signature per secret, space-separated. */
export async function signatureHeaders({ id, timestamp, body, secrets }: SignatureInput): Promise<SignatureHeaders> {
  const headers: SignatureHeaders = { "webhook-id": id, "webhook-timestamp": String(timestamp) };
  if (secrets.length === 0) return headers;
  const content = signedContent(id, timestamp, body);
  const signatures = await Promise.all(secrets.map(async (secret) => `v1,${toBase64(await hmacSha256(secret, content))}`));
  headers["webhook-signature"] = signatures.join(" ");
  return headers;
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes (the standard asks for 24 to 64). */
export function generateSigningSecret(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < 24 || byteLength > 64) throw new RangeError("A signing secret has 24 to 64 bytes");
  return SECRET_PREFIX + toBase64(randomBytes(byteLength));
}

export type TimestampFailure = "invalid_timestamp" | "timestamp_too_old" | "timestamp_too_new";
export type VerificationFailure = "missing_headers" | TimestampFailure | "no_matching_signature";

/**
 * Why a signed timestamp header (seconds since the epoch) is outside `toleranceSeconds` of `now` (epoch ms),
 * either way, or null when it is inside: the replay window of every timestamp-signed sender.
 */
export function timestampWindowFailure(header: string, now: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): TimestampFailure | null {
  if (!/^\d{1,15}$/.test(header.trim())) return "invalid_timestamp";
  const timestamp = Number(header.trim());
  const nowSeconds = Math.floor(now / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) return "timestamp_too_old";
  if (timestamp - nowSeconds > toleranceSeconds) return "timestamp_too_new";
  return null;
}

export type VerificationResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: VerificationFailure };

/** Decodes one base64 signature from a header; null when it is not base64 or not a SHA-256 MAC's length. */
function signatureBytes(encoded: string): Uint8Array | null {
  try {
    const bytes = fromBase64(encoded);
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

function headerValue(headers: Headers | Record<string, string | undefined>, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1] ?? null;
}

/** A Standard Webhooks header, `webhook-<name>`, or Svix's alias of it, `svix-<name>` (the same scheme). */
const standardHeader = (headers: Headers | Record<string, string | undefined>, name: "id" | "timestamp" | "signature"): string | null =>
  headerValue(headers, `webhook-${name}`) ?? headerValue(headers, `svix-${name}`);

/**
 * Verifies an inbound Standard Webhooks request (under `webhook-*` or Svix's `svix-*` header names): its timestamp must be within `toleranceSeconds` of `now`
 * (epoch ms), and one of the `v1` signatures in the header must match one of `secrets` (several during the
 * sender's rotation). Signatures are compared in constant time; other versions (`v1a`) are ignored.
 */
export async function verifyStandardWebhook(
  headers: Headers | Record<string, string | undefined>,
  body: string | Uint8Array,
  secrets: readonly string[],
  now: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<VerificationResult> {
  const id = standardHeader(headers, "id");
  const timestampHeader = standardHeader(headers, "timestamp");
  const signatureHeader = standardHeader(headers, "signature");
  if (!id || !timestampHeader || !signatureHeader) return { ok: false, reason: "missing_headers" };
  const outsideWindow = timestampWindowFailure(timestampHeader, now, toleranceSeconds);
  if (outsideWindow) return { ok: false, reason: outsideWindow };
  const timestamp = Number(timestampHeader.trim());

  const offered = signatureHeader
    .split(" ")
    .map((part) => part.split(","))
    .filter(([version]) => version === "v1")
    .map(([, encoded]) => signatureBytes(encoded ?? ""))
    .filter((bytes): bytes is Uint8Array => bytes !== null);
  const content = signedContent(id, timestampHeader.trim(), body);
  for (const secret of secrets) {
    const expected = await hmacSha256(secret, content);
    // Check every offered signature, even after a match, so timing does not reveal which one matched.
    let matched = false;
    for (const signature of offered) matched = crypto.subtle.timingSafeEqual(expected, signature) || matched;
    if (matched) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: "no_matching_signature" };
}
