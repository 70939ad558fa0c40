/**
 * BambooHR webhooks: signed with the webhook's private key, HMAC-SHA256 in hex in `X-BambooHR-Signature`, over
 * the raw body followed by the `X-BambooHR-Timestamp` value. The body lists changed employees in `employees[]`
 * with the fields the webhook posts, under BambooHR's English field names.
 */
import type { InboundHookPreset } from "./types";

export const bambooHr: InboundHookPreset = {
  id: "bamboohr",
  name: "BambooHR",
  docs: "https://documentation.bamboohr.com/docs/webhooks",
  auth: {
    kind: "hmac",
    headerName: "X-BambooHR-Signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "",
    signedContent: "body_timestamp",
    timestampHeader: "X-BambooHR-Timestamp",
    description: "HMAC-SHA256, hex, of the raw body followed by the X-BambooHR-Timestamp header, keyed with the webhook's private key",
  },
  event: "create",
  form: "User",
  itemsPath: "employees",
  syncKeys: ["employee_id", "email"],
  template: `{
  "employee_id": {{ item.id | string | tojson }},
  "email": {{ item.fields["Work Email"] | tojson }},
  "first_name": {{ item.fields["First Name"] | tojson }},
  "last_name": {{ item.fields["Last Name"] | tojson }},
  "department": {{ item.fields["Department"] | tojson }},
  "job_title": {{ item.fields["Job Title"] | tojson }}
}`,
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
};
