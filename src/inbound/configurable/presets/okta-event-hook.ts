/**
 * Okta event hooks: Okta sends a fixed header (by default `Authorization`) whose value is the secret set on the
 * hook, a one-time GET with `X-Okta-Verification-Challenge` to verify the URL, and batches of System Log
 * events in `data.events[]`; `eventId` identifies the delivery.
 */
import { headerSecret, jsonObjectTemplate, userPreset } from "./define";

export const oktaEventHook = userPreset({
  id: "okta-event-hook",
  name: "Okta event hook",
  docs: "https://developer.okta.com/docs/concepts/event-hooks/",
  auth: headerSecret("Okta sends the configured header with the secret as its value"),
  itemsPath: "data.events",
  eventId: { bodyPath: "eventId" },
  events: {
    description:
      "user.lifecycle.create, activate, reactivate, unsuspend → create (upsert); deactivate, suspend, delete.initiated, delete.completed → archive; other events ignored",
    from: [{ itemPath: "eventType" }],
    actions: {
      "user.lifecycle.create": "create",
      "user.lifecycle.activate": "create",
      "user.lifecycle.reactivate": "create",
      "user.lifecycle.unsuspend": "create",
      "user.lifecycle.deactivate": "archive",
      "user.lifecycle.suspend": "archive",
      "user.lifecycle.delete.initiated": "archive",
      "user.lifecycle.delete.completed": "archive",
    },
    otherwise: "ignore",
  },
  verificationChallengeHeader: "X-Okta-Verification-Challenge",
  syncKeys: ["email", "okta_id"],
  template: jsonObjectTemplate(
    { email: "user.alternateId", okta_id: "user.id", display_name: "user.displayName", okta_event_type: "item.eventType" },
    '{% set user = item.target | selectattr("type", "equalto", "User") | first %}\n',
  ),
  sample: {
    headers: { Authorization: "<secret>" },
    body: {
      eventType: "com.okta.event_hook",
      eventTypeVersion: "1.0",
      cloudEventsVersion: "0.1",
      source: "https://dev-123456.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Ua0g4",
      eventId: "b5a188b9-5ece-4636-b041-482ffda96311",
      data: {
        events: [
          {
            uuid: "7fcb0b7b-55f9-11ef-a8a2-4b6a5a0e1b2c",
            published: "2024-08-09T14:22:31.342Z",
            eventType: "user.lifecycle.create",
            version: "0",
            displayMessage: "Create Okta user",
            severity: "INFO",
            actor: { id: "00u1qw1mqitPHM8AJ0g7", type: "User", alternateId: "admin@example.com", displayName: "Admin Person" },
            outcome: { result: "SUCCESS" },
            target: [{ id: "00u1xut1xsMGaw2p90g4", type: "User", alternateId: "john.doe@example.com", displayName: "John Doe" }],
          },
        ],
      },
      eventTime: "2024-08-09T14:22:32.142Z",
      contentType: "application/json",
    },
  },
});
