/** The subscription form as a browser posts it for a plain AR webhook on Widget: every optional box left blank. */
export const plainSubscriptionForm = (url: string, description: string) => ({
  description,
  form_name: "Widget",
  entry_events: ["create", "update"],
  callback_url: url,
  condition: "",
  auth_type: "NO_AUTH",
  ordering: "subscription",
  dead_letter_policy: "skip",
  format: "ar",
  payload_fields: "",
  retry_delays_ms: "",
  max_attempts: "",
  timeout_ms: "",
  custom_json: "",
});
