/**
 * GitHub webhooks: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body with the webhook secret;
 * `X-GitHub-Delivery` is the delivery's GUID. The default maps organization membership events to users. GitHub
 * may send `application/x-www-form-urlencoded` (`payload=<JSON>`, signed as sent); the `ping` sent when the
 * webhook is created changes nothing.
 */
import { hmacSha256Hex, jsonObjectTemplate, userPreset } from "./define";

export const github = userPreset({
  id: "github",
  name: "GitHub organization membership",
  docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
  auth: hmacSha256Hex("X-Hub-Signature-256", "HMAC-SHA256, hex, of the raw body, prefixed with sha256=", { prefix: "sha256=" }),
  eventId: { header: "X-GitHub-Delivery" },
  events: {
    description: "organization member_added → create (upsert), member_removed → archive, other events ignored; ping (webhook created) → no change on every hook",
    from: [{ header: "X-GitHub-Event" }, { itemPath: "action" }],
    actions: { "organization.member_added": "create", "organization.member_removed": "archive" },
    otherwise: "ignore",
    pings: ["ping"],
  },
  syncKeys: ["github_id", "github_login"],
  template: jsonObjectTemplate({
    github_id: "body.membership.user.id | string",
    github_login: "body.membership.user.login",
    github_org: "body.organization.login",
    github_role: "body.membership.role",
    github_state: "body.membership.state",
  }),
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
});
