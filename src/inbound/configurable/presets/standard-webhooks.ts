/**
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (within 5 minutes) and
 * `webhook-signature` (`v1,<base64>` HMAC-SHA256 of `id.timestamp.body`, several space-separated during a
 * rotation), with a `whsec_` secret. Any sender that follows the spec works with this preset.
 */
import { jsonObjectTemplate, userPreset } from "./define";

export const standardWebhooks = userPreset({
  id: "standard-webhooks",
  name: "Standard Webhooks",
  docs: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
  auth: { kind: "standard_webhooks", description: "v1 HMAC-SHA256, base64, of webhook-id.webhook-timestamp.body; timestamp within 5 minutes" },
  syncKeys: ["email", "external_id"],
  template: jsonObjectTemplate({
    email: "body.data.email",
    external_id: "body.data.id",
    first_name: "body.data.first_name",
    last_name: "body.data.last_name",
  }),
  sample: {
    headers: { "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "webhook-timestamp": "1723213351", "webhook-signature": "v1,<base64 hmac>" },
    body: {
      type: "user.created",
      timestamp: "2024-08-09T14:22:31.342Z",
      data: { id: "usr_1234", email: "jane.roe@example.com", first_name: "Jane", last_name: "Roe" },
    },
  },
});
