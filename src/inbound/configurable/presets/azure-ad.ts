/**
 * Microsoft Entra ID (Azure AD) user changes: Microsoft Graph change notifications for `users`, delivered
 * through an Azure Event Grid partner topic as CloudEvents (`Microsoft.Graph.UserCreated|Updated|Deleted`).
 * Graph does not sign them, so the Event Grid webhook destination adds a static delivery header carrying the
 * secret. Event Grid first validates the URL with the CloudEvents OPTIONS handshake (or, in the Event Grid
 * schema, a `SubscriptionValidationEvent` POST carrying the same delivery header); a CloudEvents batch carries
 * one user change per event. The notification names the user by object id only.
 */
import { headerSecret, jsonObjectTemplate, userPreset } from "./define";

export const azureAd = userPreset({
  id: "azure-ad",
  name: "Microsoft Entra ID (Azure AD) via Event Grid",
  docs: "https://learn.microsoft.com/en-us/graph/change-notifications-delivery-event-grid",
  auth: headerSecret("a static Event Grid delivery header whose value is the secret"),
  eventId: { bodyPath: "id" },
  cloudEventsHandshake: true,
  eventGridValidation: true,
  events: {
    description: "Microsoft.Graph.UserDeleted → archive; UserCreated, UserUpdated and any other → create (upsert)",
    from: [{ itemPath: "type" }],
    actions: { "Microsoft.Graph.UserDeleted": "archive" },
    otherwise: "create",
  },
  syncKeys: ["azure_object_id"],
  template: jsonObjectTemplate({
    azure_object_id: "item.data.resourceData.id",
    azure_tenant_id: "item.data.tenantId",
    azure_change_type: "item.data.changeType",
  }),
  sample: {
    headers: { Authorization: "<secret>" },
    body: {
      id: "8ec4a2d8-3f3c-4e3e-b0d4-6d2f52a1c0b7",
      type: "Microsoft.Graph.UserUpdated",
      source: "/tenants/bb8775a4-4d8c-42cf-a1d4-4d58c2bb668f/applications/a6b3b8d0-1f7e-4b0a-9c55-0c3e5c6b2b5e",
      subject: "Users/7c5b1d1a-2b34-4c2e-9d8f-1a2b3c4d5e6f",
      time: "2024-08-09T14:22:31.342Z",
      datacontenttype: "application/json",
      specversion: "1.0",
      data: {
        "@odata.type": "#Microsoft.Graph.ChangeNotification",
        changeType: "updated",
        clientState: "client-state-from-the-subscription",
        resource: "Users/7c5b1d1a-2b34-4c2e-9d8f-1a2b3c4d5e6f",
        resourceData: {
          "@odata.type": "#Microsoft.Graph.User",
          "@odata.id": "Users/7c5b1d1a-2b34-4c2e-9d8f-1a2b3c4d5e6f",
          id: "7c5b1d1a-2b34-4c2e-9d8f-1a2b3c4d5e6f",
          organizationId: "bb8775a4-4d8c-42cf-a1d4-4d58c2bb668f",
        },
        subscriptionExpirationDateTime: "2024-08-12T14:00:00.000Z",
        subscriptionId: "1f2e3d4c-5b6a-4987-8a6b-5c4d3e2f1a0b",
        tenantId: "bb8775a4-4d8c-42cf-a1d4-4d58c2bb668f",
      },
    },
  },
});
