/** A home-made sender that puts a shared secret in a header (`Authorization` unless the hook says otherwise). */
import type { InboundHookPreset } from "./types";

export const genericHeaderSecret: InboundHookPreset = {
  id: "generic-header-secret",
  name: "Generic header secret",
  docs: "https://support.oomnitza.com/hc/en-us",
  auth: { kind: "header_secret", headerName: "Authorization", description: "the header's value must equal the secret" },
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
    headers: { Authorization: "<secret>", "X-Event-Id": "evt_0001" },
    body: { email: "sam.lee@example.com", first_name: "Sam", last_name: "Lee" },
  },
};
