/** What the two generic presets expect of a home-made sender: a flat user body, its delivery id in `X-Event-Id`. */
import type { InboundHookPreset } from "./types";
import { jsonObjectTemplate } from "./define";

export const genericUserMapping: Pick<InboundHookPreset, "eventId" | "syncKeys" | "template"> = {
  eventId: { header: "X-Event-Id" },
  syncKeys: ["email"],
  template: jsonObjectTemplate({ email: "body.email", first_name: "body.first_name", last_name: "body.last_name" }),
};

/** A sample delivery with the sender's own credential header. */
export const genericUserSample = (credentialHeader: Record<string, string>): InboundHookPreset["sample"] => ({
  headers: { ...credentialHeader, "X-Event-Id": "evt_0001" },
  body: { email: "sam.lee@example.com", first_name: "Sam", last_name: "Lee" },
});
