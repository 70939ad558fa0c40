/**
 * BambooHR webhooks: signed with the webhook's private key, HMAC-SHA256 in hex in `X-BambooHR-Signature`, over
 * the raw body followed by the `X-BambooHR-Timestamp` value. The body lists changed employees in `employees[]`
 * with the fields the webhook posts, under BambooHR's English field names.
 */
import { hmacSha256Hex, jsonObjectTemplate, userPreset } from "./define";

export const bambooHr = userPreset({
  id: "bamboohr",
  name: "BambooHR",
  docs: "https://documentation.bamboohr.com/docs/webhooks",
  auth: hmacSha256Hex(
    "X-BambooHR-Signature",
    "HMAC-SHA256, hex, of the raw body followed by the X-BambooHR-Timestamp header, keyed with the webhook's private key",
    { timestampHeader: "X-BambooHR-Timestamp" },
  ),
  itemsPath: "employees",
  events: {
    description: "employees[].action Created, Updated → create (upsert); Deleted → archive; any other → ignored",
    from: [{ itemPath: "action" }],
    actions: { Created: "create", Updated: "create", Deleted: "archive" },
    otherwise: "ignore",
  },
  syncKeys: ["employee_id", "email"],
  template: jsonObjectTemplate({
    employee_id: "item.id | string",
    email: 'item.fields["Work Email"]',
    first_name: 'item.fields["First Name"]',
    last_name: 'item.fields["Last Name"]',
    department: 'item.fields["Department"]',
    job_title: 'item.fields["Job Title"]',
  }),
  sample: {
    headers: { "X-BambooHR-Timestamp": "1723213351", "X-BambooHR-Signature": "<hex hmac>" },
    body: {
      employees: [
        {
          action: "Updated",
          changedFields: ["Department", "Job Title"],
          fields: {
            "First Name": "Charlotte",
            "Last Name": "Abbott",
            "Work Email": "cabbott@efficientoffice.com",
            Department: "Sales",
            "Job Title": "Sales Manager",
          },
          id: "4",
          timestamp: "2024-08-09T14:22:31+00:00",
        },
      ],
    },
  },
});
