/**
 * The ports a use case gets from the request it serves: the tenant's data-plane database (its shard) and the
 * wake-up of its delivery engine (records/commitChange takes exactly these), so use cases never see the Hono context.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env";

export const requestPorts = (c: Context<AppEnv>) => ({ db: c.get("data"), wakeDelivery: c.get("wakeDelivery") });
