/**
 * What lifecycle/ keeps beside a `User` record, erased with it (records/erasure.ts asks through the
 * `eraseAlongside` port this middleware installs, so records/ need not know lifecycle/): its provisionings, in
 * the erasure's batch, and the sealed passwords its password changes refer to, deleted from KV once the batch has
 * committed. The delivery engine deletes those its deliveries still hold as well (TenantEngine.eraseEvents); this
 * covers a change whose event it has not fanned out yet, which as a tombstone it never will.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import type { Database } from "../db/client";
import type { Bindings } from "../runtime/env";
import { secretStore } from "../secrets/secret-store";
import type { ErasedAlongside, Erasure } from "../records/erasure";
import { USER_FORM } from "./post-hooks";
import { deleteUserProvisionings } from "./provisioning-store";
import type { PasswordEventData } from "./user-events";

/** A User's part of its erasure; null for a record of any other form. */
export function eraseUserAlongside(env: Bindings, db: Database, erasure: Erasure): ErasedAlongside | null {
  if (erasure.form.toLowerCase() !== USER_FORM.toLowerCase()) return null;
  const { tenantId, id } = erasure;
  return {
    eventTypes: ["password"],
    statements: [deleteUserProvisionings(db, tenantId, id)],
    after: async (eventData) => {
      const store = secretStore(env);
      const refs = eventData.map((data) => (data as PasswordEventData).passwordRef).filter((ref): ref is string => typeof ref === "string");
      await Promise.all(refs.map((ref) => store.delete(tenantId, ref)));
    },
  };
}

/** Middleware: gives every request `c.var.eraseAlongside`, a User's part of a record erasure. */
export const userErasure = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("eraseAlongside", (db, erasure) => eraseUserAlongside(c.env, db, erasure));
    await next();
  });
