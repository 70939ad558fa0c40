/** The preset catalogue, by id. Adding a vendor is adding a file here, not a code path. */
import { azureAd } from "./azure-ad";
import { bambooHr } from "./bamboohr";
import { bambooHrEvents } from "./bamboohr-events";
import { genericHeaderSecret } from "./generic-header-secret";
import { genericHmac } from "./generic-hmac";
import { github } from "./github";
import { oktaEventHook } from "./okta-event-hook";
import { standardWebhooks } from "./standard-webhooks";
import type { InboundHookPreset } from "./types";
import { workday } from "./workday";

export type { InboundHookPreset, PresetAuth } from "./types";

export const PRESETS: readonly InboundHookPreset[] = [
  oktaEventHook,
  azureAd,
  bambooHr,
  bambooHrEvents,
  workday,
  github,
  standardWebhooks,
  genericHmac,
  genericHeaderSecret,
];

const byId = new Map(PRESETS.map((preset) => [preset.id, preset]));

export const findPreset = (id: string): InboundHookPreset | undefined => byId.get(id);
export const PRESET_IDS = PRESETS.map((preset) => preset.id) as [string, ...string[]];
