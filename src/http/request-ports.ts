/**
 * The ports a use case gets from the request it serves: the database and the wake-up of the tenant's
 * delivery engine (records/commitChange takes exactly these), so use cases never see the Hono context.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env";

export const requestPorts = (c: Context<AppEnv>) => ({ db: c.get("db"), wakeDelivery: c.get("wakeDelivery") });
