/** The Hono environment shared by every route: bindings plus what middleware puts on the context. */
import type { Bindings, Config } from "../runtime/env";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import type { EventType, RecordData, Tenant } from "../db/schema";
import type { Principal } from "./principal";
import type { ErrorFormat } from "../runtime/errors";

export interface AppVariables {
  requestId: string;
  config: Config;
  /** The control plane (binding DB): tenants, keys, service accounts, subscriptions, hooks. */
  db: Database;
  /** Set by resolveTenant on tenant routes. */
  tenant: Tenant;
  /** Set by resolveTenant: the tenant's data plane (its shard): records, events, logs, attempts (db/shards.ts). */
  data: Database;
  /** Set by authenticate on tenant routes. */
  principal: Principal;
  /** Set by a route that committed a record, so the inbound log can link to it. */
  recordId: string;
  /** Set by logInbound: when the request arrived and under which source it is logged. */
  inbound: { source: string; receivedAt: number };
  /** Set by a route whose commit batch already wrote this request's log row. */
  inboundLogCommitted: boolean;
  /** Set once a vendor request is authenticated (inbound/rate-limit.ts): its log row is its own, not aggregated. */
  inboundAuthenticated: boolean;
  /** Set by a router whose clients expect another error body (AR System); unset: the Hookgate envelope. */
  errorFormat: ErrorFormat | undefined;
  /**
   * Wakes the tenant's delivery engine after this request's commit (set by delivery's deliveryWakeUp middleware);
   * with the committed change's form, only if the tenant's delivery cares about that form.
   */
  wakeDelivery: (tenantId: string, form?: string) => void;
  /** Says the tenant's subscriptions or hooks changed: this isolate re-reads which forms wake delivery (no nudge). */
  deliveryInterestChanged: (tenantId: string) => void;
  /** Closes what the tenant's delivery engine holds of an erased record's events (set by delivery's deliveryErasure middleware). */
  eraseDeliveries: (tenantId: string, eventSeqs: number[]) => Promise<void>;
  /**
   * What another module keeps beside a record, erased with it (records/erasure.ts, ErasurePorts.alongside; set by
   * lifecycle's userErasure middleware: a User's provisionings and sealed passwords).
   */
  eraseAlongside: (
    db: Database,
    erasure: { tenantId: string; form: string; id: string },
  ) => { eventTypes: EventType[]; statements: BatchItem<"sqlite">[]; after: (eventData: RecordData[]) => Promise<void> } | null;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}
