/** A home-made sender that signs the raw body with HMAC-SHA256 in hex in `X-Signature`; all of it adjustable per hook. */
import { hmacSha256Hex, userPreset } from "./define";
import { genericUserMapping, genericUserSample } from "./generic-user";

export const genericHmac = userPreset({
  id: "generic-hmac",
  name: "Generic HMAC",
  docs: "https://www.rfc-editor.org/rfc/rfc2104",
  auth: hmacSha256Hex("X-Signature", "HMAC of the raw body; header, algorithm, encoding and prefix are set per hook"),
  ...genericUserMapping,
  sample: genericUserSample({ "X-Signature": "<hex hmac>" }),
});
