/**
 * Verifies a callback's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * with the reference `standardwebhooks` library. That library hashes the body as a UTF-8 string, so a body that
 * is not valid UTF-8 (a multipart callback carrying a binary file) is checked over its exact bytes here instead,
 * by the same rule: HMAC-SHA256 of `id.timestamp.body`, base64, any `v1,` signature, timestamp within 5 minutes.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";
import { oneLine } from "./errors";

export type SignatureCheck = { verified: true } | { verified: false; reason: string };

const TOLERANCE_SECONDS = 5 * 60;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** A subscription's signing secret as the gateway issues it: `whsec_` and base64 (the library alone accepts more). */
export const isSigningSecret = (secret: string): boolean => /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(secret);

function verifyBytes(secret: string, id: string, timestamp: string, signatures: string, body: Buffer, now: number): SignatureCheck {
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return { verified: false, reason: "Invalid Signature Headers" };
  if (Math.abs(now / 1000 - seconds) > TOLERANCE_SECONDS) return { verified: false, reason: "Message timestamp too old or too new" };
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    const offered = Buffer.from(signature, "base64");
    return offered.length === expected.length && timingSafeEqual(offered, expected);
  });
  return matches ? { verified: true } : { verified: false, reason: "No matching signature found" };
}

export function verifyCallback(secret: string, headers: IncomingHttpHeaders, body: Buffer, now = Date.now()): SignatureCheck {
  const id = one(headers["webhook-id"]);
  const timestamp = one(headers["webhook-timestamp"]);
  const signature = one(headers["webhook-signature"]);
  if (!id || !timestamp || !signature) return { verified: false, reason: "Missing webhook-id, webhook-timestamp or webhook-signature" };
  const text = body.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(body)) return verifyBytes(secret, id, timestamp, signature, body, now);
  try {
    new Webhook(secret).verify(text, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature }, { jsonParse: false });
    return { verified: true };
  } catch (error) {
    return { verified: false, reason: oneLine(error) };
  }
}
