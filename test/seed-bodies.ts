/** Request bodies from the seed documents, verbatim, shared by every test that sends them. */

/** Seed 000's ServiceNow TICKETS example. */
export const SEED_SERVICENOW = {
  requester_email: "john.doe@optimalidm.com",
  number: "INC010100",
  reported_by_email: "someone@optimalidm.com",
  opened_at: "2022-01-05T19:25:51.927013+00:00",
  impact: "low",
  urgency: "medium",
  short_description: "Test Ticket",
  description: "Description of the Incident",
  category: "network",
  priority: "high",
  sys_id: "9d385017c611228701d22104cc95c371",
  subcategory: "ldap",
  state: "open",
};
