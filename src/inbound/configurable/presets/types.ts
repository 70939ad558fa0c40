/**
 * What a preset is: the data that configures a vendor's hook without code — how the vendor authenticates
 * (header name, HMAC algorithm, encoding, prefix, what is signed), where its event id and its list of items sit,
 * and the default event, form, Jinja template and sync keys a new hook starts from. Each preset is one file.
 */
import type { InboundHookEvent } from "../../../db/schema/inbound-hooks";

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
  /** A documented sample delivery, used by dry-run when no body is given and by the tests. */
  sample: { headers: Record<string, string>; body: unknown };
}
