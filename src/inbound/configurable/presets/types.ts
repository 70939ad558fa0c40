/**
 * What a preset is: the data that configures a vendor's hook without code — how the vendor authenticates
 * (header name, HMAC algorithm, encoding, prefix, what is signed), where its event id and its list of items sit,
 * which vendor events create, archive or are ignored on an `auto` hook, and the default event, form, Jinja
 * template and sync keys a new hook starts from. Each preset is one file.
 */
import type { InboundHookEvent, RecordAction } from "../../../db/schema/inbound-hooks";

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";
export type SignatureEncoding = "hex" | "base64";

export type PresetAuth =
  | { kind: "header_secret"; headerName: string; description: string }
  | {
      kind: "hmac";
      headerName: string;
      algorithm: HmacAlgorithm;
      encoding: SignatureEncoding;
      prefix: string;
      /** `body`: the raw body; `body_timestamp`: the raw body followed by the value of `timestampHeader`. */
      signedContent: "body" | "body_timestamp";
      timestampHeader?: string;
      description: string;
    }
  | { kind: "standard_webhooks"; description: string };

/** What one vendor event does to its record on an `auto` hook: a record action, or nothing. */
export type ItemAction = RecordAction | "ignore";

/** How the vendor names its events, and what each one does on an `auto` hook. */
export interface PresetEvents {
  /** What the vendor's events do on an `auto` hook, in words (shown by the presets API). */
  description: string;
  /** Where the event's name is: header values and dot paths in the item, joined with "." (GitHub: `organization.member_added`). */
  from: ({ header: string } | { itemPath: string })[];
  /** Vendor event name → action. */
  actions: Record<string, ItemAction>;
  /** The action of an event the map does not name. */
  otherwise: ItemAction;
  /** Events that only test the connection (GitHub's `ping`): 200 with no change on every hook, whatever its event. */
  pings?: string[];
}

export interface InboundHookPreset {
  id: string;
  name: string;
  /** Where the vendor documents its hooks. */
  docs: string;
  auth: PresetAuth;
  event: InboundHookEvent;
  form: string;
  template: string;
  syncKeys: string[];
  /** Dot path to an array in the body; each element is one record change (`item` in the template). */
  itemsPath?: string;
  /** Where the vendor's delivery id is, for dedupe; Standard Webhooks always use `webhook-id`. */
  eventId?: { header: string } | { bodyPath: string };
  /** The header of a one-time GET verification that is echoed back as {"verification": value}. */
  verificationChallengeHeader?: string;
  /** The sender validates the URL with the CloudEvents v1.0 abuse-protection handshake (HTTP OPTIONS). */
  cloudEventsHandshake?: boolean;
  /** The vendor's events and what each does on an `auto` hook; without it an `auto` item upserts unless its template says otherwise. */
  events?: PresetEvents;
  /** The sender validates the URL with an Event Grid-schema `SubscriptionValidationEvent` POST (answered with its code). */
  eventGridValidation?: boolean;
  /** A documented sample delivery, used by dry-run when no body is given and by the tests. */
  sample: { headers: Record<string, string>; body: unknown };
}
