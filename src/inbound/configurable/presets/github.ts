/**
 * GitHub webhooks: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body with the webhook secret;
 * `X-GitHub-Delivery` is the delivery's GUID. The default maps organization membership events to users.
 */
import type { InboundHookPreset } from "./types";

export const github: InboundHookPreset = {
  id: "github",
  name: "GitHub organization membership",
  docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
  auth: {
    kind: "hmac",
    headerName: "X-Hub-Signature-256",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
    signedContent: "body",
    description: "HMAC-SHA256, hex, of the raw body, prefixed with sha256=",
  },
  event: "create",
  form: "User",
  eventId: { header: "X-GitHub-Delivery" },
  syncKeys: ["github_id", "github_login"],
  template: `{
  "github_id": {{ body.membership.user.id | string | tojson }},
  "github_login": {{ body.membership.user.login | tojson }},
  "github_org": {{ body.organization.login | tojson }},
  "github_role": {{ body.membership.role | tojson }},
  "github_state": {{ body.membership.state | tojson }}
}`,
  sample: {
    headers: {
      "X-GitHub-Event": "organization",
      "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "X-Hub-Signature-256": "sha256=<hex hmac>",
    },
    body: {
      action: "member_added",
      membership: {
        url: "https://api.github.com/orgs/octo-org/memberships/octocat",
        state: "active",
        role: "member",
        organization_url: "https://api.github.com/orgs/octo-org",
        user: { login: "octocat", id: 583231, node_id: "MDQ6VXNlcjU4MzIzMQ==", type: "User", site_admin: false },
      },
      organization: { login: "octo-org", id: 6811672, node_id: "MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=" },
      sender: { login: "admin-user", id: 1, type: "User" },
    },
  },
};
