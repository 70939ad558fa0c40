/**
 * BambooHR's Event-Based webhooks (the format BambooHR recommends for new webhooks): one event per request,
 * `type` `employee.created|updated|deleted` with the employee's id in `data.employeeId` and, on updates, the
 * names of the changed fields. Signed like the Field-Based ones (`bamboohr` preset): HMAC-SHA256, hex, of the
 * raw body followed by `X-BambooHR-Timestamp`. The body carries ids only, so the record is keyed by employee id.
 */
import { hmacSha256Hex, jsonObjectTemplate, userPreset } from "./define";

export const bambooHrEvents = userPreset({
  id: "bamboohr-events",
  name: "BambooHR event-based webhooks",
  docs: "https://documentation.bamboohr.com/docs/event-based-webhooks",
  auth: hmacSha256Hex(
    "X-BambooHR-Signature",
    "HMAC-SHA256, hex, of the raw body followed by the X-BambooHR-Timestamp header, keyed with the webhook's private key",
    { timestampHeader: "X-BambooHR-Timestamp" },
  ),
  events: {
    description: "type employee.created, employee.updated → create (upsert); employee.deleted → archive; any other → ignored",
    from: [{ itemPath: "type" }],
    actions: { "employee.created": "create", "employee.updated": "create", "employee.deleted": "archive" },
    otherwise: "ignore",
  },
  syncKeys: ["employee_id"],
  template: jsonObjectTemplate({
    employee_id: "body.data.employeeId | string",
    bamboohr_company_id: "body.data.companyId | string",
    bamboohr_changed_fields: "body.data.changedFields",
  }),
  sample: {
    headers: { "X-BambooHR-Timestamp": "1769885000", "X-BambooHR-Signature": "<hex hmac>" },
    body: {
      type: "employee.updated",
      timestamp: "2026-01-31T18:42:00+0000",
      data: { companyId: "12345", employeeId: "67890", changedFields: ["firstName"] },
    },
  },
});
