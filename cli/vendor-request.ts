/**
 * Builds what a vendor would send to a configurable inbound hook, from the gateway's own preset definitions
 * (src/inbound/configurable/presets): the sample (or a given body), a fresh delivery id where the preset says the
 * vendor puts one, fresh signed timestamps, and the credential the preset's `auth` describes — the secret in a
 * header, an HMAC (header, algorithm, encoding, prefix, signed content), or Standard Webhooks (the reference
 * library). Also the presets' URL verifications. A new preset needs nothing here. Pure apart from the clock and
 * randomness passed in.
 */
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { findPreset, PRESET_IDS, type InboundHookPreset, type PresetAuth } from "../src/inbound/configurable/presets";
import { isSigningSecret } from "./callback-signature";
import { CliError, oneLine } from "./errors";

export interface VendorRequest {
  method: "GET" | "POST" | "OPTIONS";
  /** Header names lower-case. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The delivery id sent (header or body), when the preset has one. */
  eventId?: string;
  /** What the gateway must echo for a verification challenge. */
  expectedEcho?: { header?: string; jsonField?: string; value: string };
}

/** Per-hook settings that may differ from the preset's (generic presets are adjustable per hook). */
export interface AuthOverrides {
  headerName?: string;
  algorithm?: string;
  encoding?: string;
  prefix?: string;
}

export interface DeliveryInput {
  secret: string;
  /** The body's exact bytes; the preset's sample (JSON) when absent. */
  body?: Uint8Array;
  eventId?: string;
  /** Extra headers, `name: value`; they override the built ones but not the credential. */
  headers: Record<string, string>;
  auth?: AuthOverrides;
  now: Date;
  /** A fresh id, e.g. crypto.randomUUID(). */
  newId: () => string;
}

export function presetById(id: string): InboundHookPreset {
  const preset = findPreset(id);
  if (!preset) throw new CliError(`Unknown preset '${id}'; the presets are: ${PRESET_IDS.join(", ")}`);
  return preset;
}

const encoder = new TextEncoder();
const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** Sets a dot path (`Event.Event_ID`) in a JSON object, creating objects on the way. */
function setPath(target: unknown, path: string, value: string): void {
  if (target === null || typeof target !== "object" || Array.isArray(target)) throw new CliError(`The body is not a JSON object, so its '${path}' cannot be set`);
  const keys = path.split(".");
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object") node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function parseJsonBody(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CliError(`The body is not JSON (${oneLine(error)}), so --event-id cannot be written into it`);
  }
}

/** The body and the event id sent: the sample with a fresh id, or the given bytes untouched unless --event-id must go inside. */
function bodyWithEventId(preset: InboundHookPreset, input: DeliveryInput, headers: Record<string, string>): { body: Uint8Array; eventId?: string } {
  const where = preset.auth.kind === "standard_webhooks" ? { header: "webhook-id" } : preset.eventId;
  if (where && "header" in where) {
    const eventId = input.eventId ?? (where.header === "webhook-id" ? `msg_${input.newId().replace(/-/g, "")}` : input.newId());
    headers[where.header.toLowerCase()] = eventId;
    return { body: input.body ?? encoder.encode(JSON.stringify(preset.sample.body)), eventId };
  }
  if (where && "bodyPath" in where) {
    // A given body is sent byte for byte unless an id was asked for; the sample always gets a fresh one.
    if (input.body && input.eventId === undefined) return { body: input.body };
    const eventId = input.eventId ?? input.newId();
    const json = input.body ? parseJsonBody(input.body) : structuredClone(preset.sample.body);
    setPath(json, where.bodyPath, eventId);
    return { body: encoder.encode(JSON.stringify(json)), eventId };
  }
  return { body: input.body ?? encoder.encode(JSON.stringify(preset.sample.body)) };
}

const ALGORITHMS = ["sha1", "sha256", "sha512"];
const ENCODINGS = ["hex", "base64"];

/** The preset's auth with the hook's own settings applied. */
function effectiveAuth(auth: PresetAuth, overrides: AuthOverrides = {}): PresetAuth {
  if (auth.kind === "header_secret") return { ...auth, headerName: overrides.headerName ?? auth.headerName };
  if (auth.kind !== "hmac") return auth;
  const algorithm = overrides.algorithm ?? auth.algorithm;
  const encoding = overrides.encoding ?? auth.encoding;
  if (!ALGORITHMS.includes(algorithm)) throw new CliError(`--algorithm must be one of ${ALGORITHMS.join(", ")}`);
  if (!ENCODINGS.includes(encoding)) throw new CliError(`--encoding must be one of ${ENCODINGS.join(", ")}`);
  return {
    ...auth,
    headerName: overrides.headerName ?? auth.headerName,
    algorithm: algorithm as typeof auth.algorithm,
    encoding: encoding as typeof auth.encoding,
    prefix: overrides.prefix ?? auth.prefix,
  };
}

const concat = (first: Uint8Array, second: Uint8Array) => Buffer.concat([first, second]);

/** Adds the credential the preset's auth describes; timestamps it signs are taken from `headers` (set before). */
function sign(auth: PresetAuth, secret: string, headers: Record<string, string>, body: Uint8Array, now: Date): void {
  switch (auth.kind) {
    case "header_secret":
      headers[auth.headerName.toLowerCase()] = secret;
      return;
    case "hmac": {
      let content: Uint8Array = body;
      if (auth.signedContent === "body_timestamp") {
        const name = auth.timestampHeader?.toLowerCase();
        if (!name) throw new CliError("The preset signs a timestamp but names no timestamp header");
        content = concat(body, encoder.encode(headers[name] ?? ""));
      }
      const digest = createHmac(auth.algorithm, secret).update(content).digest(auth.encoding);
      headers[auth.headerName.toLowerCase()] = `${auth.prefix}${digest}`;
      return;
    }
    case "standard_webhooks": {
      if (!isSigningSecret(secret)) throw new CliError("The secret is not a Standard Webhooks secret (whsec_ followed by base64)");
      const webhook = new Webhook(secret);
      const id = headers["webhook-id"] ?? "";
      const timestamp = new Date(Number(headers["webhook-timestamp"] ?? Math.floor(now.getTime() / 1000)) * 1000);
      headers["webhook-signature"] = webhook.sign(id, timestamp, Buffer.from(body).toString("utf8"));
      return;
    }
  }
}

/** A delivery of the preset (its sample unless a body is given), signed with the hook's secret. */
export function buildDelivery(preset: InboundHookPreset, input: DeliveryInput): VendorRequest {
  const auth = effectiveAuth(preset.auth, input.auth);
  const headers: Record<string, string> = { ...lower(preset.sample.headers), "content-type": "application/json" };
  // The sample shows a placeholder where the credential goes; sign() sets the real one, under the hook's header name.
  if (preset.auth.kind !== "standard_webhooks") delete headers[preset.auth.headerName.toLowerCase()];
  const { body, eventId } = bodyWithEventId(preset, input, headers);
  // Signed timestamps are now, not the sample's (the gateway refuses them 5 minutes off).
  const seconds = String(Math.floor(input.now.getTime() / 1000));
  if (auth.kind === "standard_webhooks") headers["webhook-timestamp"] = seconds;
  if (auth.kind === "hmac" && auth.signedContent === "body_timestamp" && auth.timestampHeader) headers[auth.timestampHeader.toLowerCase()] = seconds;
  Object.assign(headers, lower(input.headers));
  sign(auth, input.secret, headers, body, input.now);
  return { method: "POST", headers, body, ...(eventId !== undefined && { eventId }) };
}

export type ChallengeKind = "okta" | "options" | "validation";

/** The verifications a preset's sender performs, in the order a plain --challenge picks them. */
export function challengeKinds(preset: InboundHookPreset): ChallengeKind[] {
  return [
    ...(preset.verificationChallengeHeader ? (["okta"] as const) : []),
    ...(preset.cloudEventsHandshake ? (["options"] as const) : []),
    ...(preset.eventGridValidation ? (["validation"] as const) : []),
  ];
}

/** The preset's URL verification: Okta's GET challenge, the CloudEvents OPTIONS handshake, or Event Grid's validation POST. */
export function buildChallenge(preset: InboundHookPreset, input: DeliveryInput, wanted?: string): VendorRequest {
  const kinds = challengeKinds(preset);
  if (kinds.length === 0) throw new CliError(`Preset '${preset.id}' has no verification challenge`);
  const kind = (wanted ?? kinds[0]) as ChallengeKind;
  if (!kinds.includes(kind)) throw new CliError(`Preset '${preset.id}' has no '${wanted}' challenge; it has: ${kinds.join(", ")}`);
  const auth = effectiveAuth(preset.auth, input.auth);
  const value = input.newId();
  const headers: Record<string, string> = {};
  let request: VendorRequest;
  if (kind === "okta") {
    headers[preset.verificationChallengeHeader!.toLowerCase()] = value;
    request = { method: "GET", headers, expectedEcho: { jsonField: "verification", value } };
  } else if (kind === "options") {
    const origin = "eventgrid.azure.net";
    headers["webhook-request-origin"] = origin;
    request = { method: "OPTIONS", headers, expectedEcho: { header: "webhook-allowed-origin", value: origin } };
  } else {
    headers["aeg-event-type"] = "SubscriptionValidation";
    headers["content-type"] = "application/json";
    const event = {
      id: input.newId(),
      topic: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hookgate/providers/Microsoft.EventGrid/partnerTopics/hookgate",
      subject: "",
      data: { validationCode: value, validationUrl: "https://rp-eastus.eventgrid.azure.net/eventsubscriptions/hookgate/validate" },
      eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
      eventTime: input.now.toISOString(),
      metadataVersion: "1",
      dataVersion: "2",
    };
    request = { method: "POST", headers, body: encoder.encode(JSON.stringify([event])), expectedEcho: { jsonField: "validationResponse", value } };
  }
  Object.assign(headers, lower(input.headers));
  // The challenge carries the hook's credential as the sender's deliveries do (an HMAC over the empty body).
  sign(auth, input.secret, headers, request.body ?? new Uint8Array(0), input.now);
  return request;
}
