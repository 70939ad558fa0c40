/** A home-made sender that puts a shared secret in a header (`Authorization` unless the hook says otherwise). */
import { headerSecret, userPreset } from "./define";
import { genericUserMapping, genericUserSample } from "./generic-user";

export const genericHeaderSecret = userPreset({
  id: "generic-header-secret",
  name: "Generic header secret",
  docs: "https://support.oomnitza.com/hc/en-us",
  auth: headerSecret("the header's value must equal the secret"),
  ...genericUserMapping,
  sample: genericUserSample({ Authorization: "<secret>" }),
});
