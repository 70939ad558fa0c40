/**
 * Verifies a request to a configurable inbound hook against the hook's auth kind: a header secret compared in
 * constant time, an HMAC over the raw body (algorithm, encoding, prefix and signed content from the hook and
 * its preset; a signed timestamp must be within 5 minutes of our clock, like Standard Webhooks'), or Standard
 * Webhooks (Svix's `svix-*` header names too). The raw body is the bytes as received, a UTF-8 BOM included. A failure is a cause to log and answer with 401; a verifier that cannot run (unknown algorithm,
 * unusable secret) throws, so it can never count as a pass. Pure apart from Web Crypto.
 */
import { timingSafeEqualStrings, toBase64, toHex } from "../../runtime/crypto";
import { timestampWindowFailure, verifyStandardWebhook, type TimestampFailure } from "../../outbound/signing";
import type { InboundHookAuthKind, InboundHookAuthSettings } from "../../db/schema/inbound-hooks";
import type { InboundHookPreset } from "./presets";

export type VerificationOutcome =
  | {
      ok: true;
      /** The Standard Webhooks `webhook-id`. */
      webhookId?: string;
      /**
       * An HMAC delivery's signature as computed here (hex or base64, at most 128 characters): the same for an
       * exact resend whatever case its hex was sent in, so it keys the 24 h replay memory.
       */
      signature?: string;
    }
  | { ok: false; code: "UNAUTHORIZED" | "SIGNATURE_INVALID"; cause: string };

export interface HookCredentials {
  kind: InboundHookAuthKind;
  settings: InboundHookAuthSettings;
  secret: string;
}

const HASHES = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" } as const;
const encoder = new TextEncoder();

export async function hmacDigest(algorithm: keyof typeof HASHES, encoding: "hex" | "base64", secret: string, content: Uint8Array): Promise<string> {
  const hash = HASHES[algorithm];
  if (!hash) throw new Error(`Unsupported HMAC algorithm '${String(algorithm)}'`);
  if (encoding !== "hex" && encoding !== "base64") throw new Error(`Unsupported signature encoding '${String(encoding)}'`);
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, content);
  return encoding === "hex" ? toHex(mac) : toBase64(mac);
}

const fail = (code: "UNAUTHORIZED" | "SIGNATURE_INVALID", cause: string): VerificationOutcome => ({ ok: false, code, cause });

async function verifyHeaderSecret(credentials: HookCredentials, headers: Headers): Promise<VerificationOutcome> {
  const name = credentials.settings.headerName;
  if (!name) throw new Error("Header secret hook has no header name");
  const offered = headers.get(name);
  if (offered === null || offered === "") return fail("UNAUTHORIZED", `Missing ${name} header`);
  if (!(await timingSafeEqualStrings(offered, credentials.secret))) return fail("UNAUTHORIZED", `${name} header does not match the hook secret`);
  return { ok: true };
}

const concat = (first: Uint8Array, second: Uint8Array): Uint8Array => {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
};

async function verifyHmac(credentials: HookCredentials, preset: InboundHookPreset, headers: Headers, rawBody: Uint8Array, now: number): Promise<VerificationOutcome> {
  const { headerName, algorithm, encoding, prefix = "" } = credentials.settings;
  if (!headerName || !algorithm || !encoding) throw new Error("HMAC hook is missing its header, algorithm or encoding");
  const offered = headers.get(headerName);
  if (offered === null || offered === "") return fail("SIGNATURE_INVALID", `Missing ${headerName} header`);
  if (!offered.startsWith(prefix)) return fail("SIGNATURE_INVALID", `${headerName} does not start with '${prefix}'`);
  let content = rawBody;
  if (preset.auth.kind === "hmac" && preset.auth.signedContent === "body_timestamp") {
    const timestampHeader = preset.auth.timestampHeader;
    if (!timestampHeader) throw new Error(`Preset '${preset.id}' signs a timestamp but names no timestamp header`);
    const timestamp = headers.get(timestampHeader);
    if (timestamp === null || timestamp === "") return fail("SIGNATURE_INVALID", `Missing ${timestampHeader} header`);
    const outsideWindow = timestampWindowFailure(timestamp, now);
    if (outsideWindow) return fail("SIGNATURE_INVALID", `${timestampHeader} ${TIMESTAMP_CAUSES[outsideWindow]}`);
    content = concat(rawBody, encoder.encode(timestamp));
  }
  const expected = await hmacDigest(algorithm, encoding, credentials.secret, content);
  const signature = offered.slice(prefix.length).trim();
  // Hex is case-insensitive; base64 is not.
  const comparable = encoding === "hex" ? signature.toLowerCase() : signature;
  if (!(await timingSafeEqualStrings(comparable, expected))) return fail("SIGNATURE_INVALID", `${headerName} does not match the body`);
  return { ok: true, signature: expected };
}

const TIMESTAMP_CAUSES: Record<TimestampFailure, string> = {
  invalid_timestamp: "is not a number of seconds",
  timestamp_too_old: "is more than 5 minutes old",
  timestamp_too_new: "is more than 5 minutes in the future",
};

const STANDARD_WEBHOOK_CAUSES = {
  missing_headers: "Missing webhook-id, webhook-timestamp or webhook-signature header (or svix-id, svix-timestamp, svix-signature)",
  invalid_timestamp: `webhook-timestamp ${TIMESTAMP_CAUSES.invalid_timestamp}`,
  timestamp_too_old: `webhook-timestamp ${TIMESTAMP_CAUSES.timestamp_too_old}`,
  timestamp_too_new: `webhook-timestamp ${TIMESTAMP_CAUSES.timestamp_too_new}`,
  no_matching_signature: "No webhook-signature matches the body",
} as const;

/** Checks the request; `now` is epoch milliseconds. */
export async function verifyHookRequest(input: {
  credentials: HookCredentials;
  preset: InboundHookPreset;
  headers: Headers;
  /** The body exactly as received (a string is taken as its UTF-8 bytes). */
  rawBody: Uint8Array | string;
  now: number;
}): Promise<VerificationOutcome> {
  const { credentials, preset, headers, now } = input;
  const rawBody = typeof input.rawBody === "string" ? encoder.encode(input.rawBody) : input.rawBody;
  switch (credentials.kind) {
    case "header_secret":
      return verifyHeaderSecret(credentials, headers);
    case "hmac":
      return verifyHmac(credentials, preset, headers, rawBody, now);
    case "standard_webhooks": {
      const result = await verifyStandardWebhook(headers, rawBody, [credentials.secret], now);
      return result.ok ? { ok: true, webhookId: result.id } : fail("SIGNATURE_INVALID", STANDARD_WEBHOOK_CAUSES[result.reason]);
    }
    default:
      throw new Error(`Unsupported inbound hook auth kind '${String(credentials.kind)}'`);
  }
}
