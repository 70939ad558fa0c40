/**
 * The use cases behind the users routes (issue 18): a password change, an application provisioning request and
 * its reported result, each one user event on a live `User` record (records/record-events.ts), in that user's
 * commit order, so the hooks they fire (changePassword, postProvision) reach the tenant in order with the user's
 * other lifecycle deliveries. The password is sealed in KV before the commit and only its reference is stored.
 */
import type { Bindings } from "../runtime/env";
import type { Database } from "../db/client";
import type { PolicyMapFields, ProvisioningAction } from "../db/schema";
import { AppError } from "../runtime/errors";
import { newId } from "../runtime/crypto";
import { secretStore } from "../secrets/secret-store";
import { commitUserEvent, liveRecordFor } from "../records/record-events";
import type { CommitPorts } from "../records/commit-change";
import { findLifecycleConfig } from "./config-store";
import { USER_FORM } from "./post-hooks";
import { runProvisionHooks } from "./provision-hooks";
import { completeProvisioning, findProvisioning, insertProvisioning } from "./provisioning-store";
import { PROVISION_ACTION, type PasswordEventData, type ProvisionEventData, type ProvisionResultEventData } from "./user-events";
import type { ProvisionContext } from "./hook-requests";

export const PASSWORD_PURPOSE = "lifecycle-password";

export interface UserActionPorts extends CommitPorts {
  env: Bindings;
  /** The control plane (the tenant's lifecycle hook configuration). */
  controlDb: Database;
}

/**
 * Commits a password change and returns its event's seq. The password is sealed only when the tenant's
 * changePassword hook is enabled (nothing else would ever read it); a failed commit deletes it again.
 */
export async function changeUserPassword(ports: UserActionPorts, input: { tenantId: string; recordId: string; passwordText: string }): Promise<number> {
  const { tenantId, recordId } = input;
  await liveRecordFor(ports.db, tenantId, USER_FORM, recordId);
  const config = await findLifecycleConfig(ports.controlDb, tenantId);
  const store = secretStore(ports.env);
  const passwordRef = config?.enabled.includes("changePassword") ? await store.put({ tenantId, purpose: PASSWORD_PURPOSE }, input.passwordText) : null;
  try {
    return await commitUserEvent(ports, {
      tenantId,
      form: USER_FORM,
      id: recordId,
      type: "password",
      source: "lifecycle.password",
      prepare: (record) => ({ data: { user: record.data, passwordRef } satisfies PasswordEventData, changedFields: ["password"] }),
    });
  } catch (error) {
    if (passwordRef !== null) await store.delete(tenantId, passwordRef);
    throw error;
  }
}

export interface ProvisioningRequest {
  tenantId: string;
  recordId: string;
  applicationId: string;
  roleList: unknown[];
  action: ProvisioningAction;
  policyMap: PolicyMapFields;
}

/** What pre-/postProvision say about a provisioning (seed: policyMap is the target attribute, form the form variable). */
const provisionContext = (request: Pick<ProvisioningRequest, "applicationId" | "roleList" | "action" | "policyMap">): ProvisionContext => ({
  policyMap: request.policyMap.targetAttribute,
  form: request.policyMap.formVeriable,
  applicationId: request.applicationId,
  roleList: request.roleList,
  action: PROVISION_ACTION[request.action],
});

/** Runs policyMap and preProvision, then commits the provisioning with its event; returns its id. */
export async function requestProvisioning(ports: UserActionPorts, request: ProvisioningRequest): Promise<string> {
  const { tenantId, recordId } = request;
  const user = await liveRecordFor(ports.db, tenantId, USER_FORM, recordId);
  const provision = provisionContext(request);
  const hooked = await runProvisionHooks(ports.env, tenantId, user.data, provision, request.policyMap);
  const id = newId("prv");
  const now = Date.now();
  await commitUserEvent(ports, {
    tenantId,
    form: USER_FORM,
    id: recordId,
    type: "provision",
    source: "lifecycle.provisioning",
    now,
    prepare: () => ({
      data: { provisioningId: id, user: hooked.user, provision, policyMap: request.policyMap, mappedValue: hooked.mappedValue } satisfies ProvisionEventData,
      alongside: [
        insertProvisioning(ports.db, {
          tenantId,
          id,
          recordId,
          applicationId: request.applicationId,
          roleList: request.roleList,
          action: request.action,
          policyMap: request.policyMap,
          mappedValue: hooked.mappedValue,
          createdAt: now,
        }),
      ],
    }),
  });
  return id;
}

/** Commits the reported outcome of a provisioning with its event (which fires postProvision); a second report is 409. */
export async function reportProvisioningResult(
  ports: UserActionPorts,
  input: { tenantId: string; recordId: string; provisioningId: string; isSuccess: boolean; uid: string },
): Promise<number> {
  const { tenantId, recordId, provisioningId } = input;
  const now = Date.now();
  return commitUserEvent(ports, {
    tenantId,
    form: USER_FORM,
    id: recordId,
    type: "provision_result",
    source: "lifecycle.provisioning",
    now,
    // Read on every attempt: a concurrent report that committed first makes this one a conflict.
    prepare: async (record) => {
      const provisioning = await findProvisioning(ports.db, tenantId, recordId, provisioningId);
      if (!provisioning) throw new AppError("NOT_FOUND", `No provisioning '${provisioningId}' of User record '${recordId}'`);
      if (provisioning.completedAt !== null) throw new AppError("CONFLICT", `The result of provisioning '${provisioningId}' was already reported`);
      const data: ProvisionResultEventData = { provisioningId, user: record.data, provision: provisionContext(provisioning), isSuccess: input.isSuccess, uid: input.uid };
      return { data, alongside: completeProvisioning(ports.db, tenantId, provisioningId, { isSuccess: input.isSuccess, uid: input.uid, now }) };
    },
  });
}
