/**
 * What presets share, said once: a new hook makes `create` events on the User form unless its preset says
 * otherwise, the two authentication schemes vendors reuse (a static secret header, HMAC-SHA256 in hex), and
 * default templates written as a map from record field to the Jinja expression that fills it.
 */
import type { InboundHookPreset, PresetAuth } from "./types";

/** A preset whose new hooks make `create` events on the User form. */
export const userPreset = ({ id, name, docs, auth, ...rest }: Omit<InboundHookPreset, "event" | "form">): InboundHookPreset => ({
  id,
  name,
  docs,
  auth,
  event: "create",
  form: "User",
  ...rest,
});

/** The sender puts the secret itself in a header, `Authorization` unless another is named. */
export const headerSecret = (description: string, headerName = "Authorization"): PresetAuth => ({ kind: "header_secret", headerName, description });

/**
 * The sender signs with HMAC-SHA256 in hex, after `prefix` in `headerName`: the raw body, or with a
 * `timestampHeader` the raw body followed by that header's value.
 */
export const hmacSha256Hex = (
  headerName: string,
  description: string,
  { prefix = "", timestampHeader }: { prefix?: string; timestampHeader?: string } = {},
): PresetAuth => ({
  kind: "hmac",
  headerName,
  algorithm: "sha256",
  encoding: "hex",
  prefix,
  signedContent: timestampHeader ? "body_timestamp" : "body",
  ...(timestampHeader && { timestampHeader }),
  description,
});

/** A template rendering one JSON object: each record field from its Jinja expression, after optional Jinja statements. */
export function jsonObjectTemplate(fields: Record<string, string>, statements = ""): string {
  const lines = Object.entries(fields).map(([field, expression]) => `  "${field}": {{ ${expression} | tojson }}`);
  return `${statements}{\n${lines.join(",\n")}\n}`;
}
