/** A home-made sender that signs the raw body with HMAC-SHA256 in hex in `X-Signature`; all of it adjustable per hook. */
import type { InboundHookPreset } from "./types";

export const genericHmac: InboundHookPreset = {
  id: "generic-hmac",
  name: "Generic HMAC",
  docs: "https://www.rfc-editor.org/rfc/rfc2104",
  auth: {
    kind: "hmac",
    headerName: "X-Signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "",
    signedContent: "body",
    description: "HMAC of the raw body; header, algorithm, encoding and prefix are set per hook",
  },
  event: "create",
  form: "User",
  eventId: { header: "X-Event-Id" },
  syncKeys: ["email"],
  template: `{
  "email": {{ body.email | tojson }},
  "first_name": {{ body.first_name | tojson }},
  "last_name": {{ body.last_name | tojson }}
}`,
  sample: {
    headers: { "X-Signature": "<hex hmac>", "X-Event-Id": "evt_0001" },
    body: { email: "sam.lee@example.com", first_name: "Sam", last_name: "Lee" },
  },
};
