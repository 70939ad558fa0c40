import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, updateEntry, type Receiver } from "../delivery/harness";

const FORM = "HPD:Help Desk";
const HELP_DESK = {
  fields: [
    { id: 7, name: "Status", type: "selection", options: { "0": "New", "1": "Assigned", "2": "In Progress", "3": "Pending", "4": "Resolved", "5": "Closed" } },
    { id: 1000000000, name: "Description", type: "character" },
    { id: 1000000163, name: "Impact", type: "integer" },
    { id: 1000000162, name: "Urgency", type: "integer" },
  ],
};

interface ArMessage {
  messageNumber: number;
  messageAppendedText: string;
}

async function definedTenant(): Promise<TestTenant> {
  const tenant = await createTenant("arform");
  const put = await call(tenant.slug, `/api/v1/forms/${encodeURIComponent(FORM)}`, { key: tenant.key, method: "PUT", json: HELP_DESK });
  if (put.status !== 200) throw new Error(`define failed: ${put.status}`);
  return tenant;
}

describe("AR webhooks on a defined form (seed 003)", () => {
  let receiver: Receiver | undefined;
  afterEach(() => receiver?.restore());

  it(`'Status' != "Closed" fires for Status 0 (New) and not for 5 (Closed)`, async () => {
    const tenant = await definedTenant();
    receiver = startReceiver();
    await subscribe(tenant, { form: FORM, url: receiver.url, condition: `'Status' !="Closed"`, payloadFields: ["Description", "Impact", "Urgency", "Status"] });
    const open = await createEntry(tenant, { Status: 0, Description: "VPN drops", Impact: 2, Urgency: 1 }, FORM);
    await createEntry(tenant, { Status: 5, Description: "Closed already", Impact: 4, Urgency: 4 }, FORM);
    const byLabel = await createEntry(tenant, { "7": "Assigned", "1000000000": "Sent by id and label" }, FORM);
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.json)).toEqual([
      { webhook_id: expect.any(String), entry_event: "create", form_name: FORM, entry_id: open, record_id: expect.any(String), entry_details: { Description: "VPN drops", Impact: 2, Urgency: 1, Status: 0 } },
      { webhook_id: expect.any(String), entry_event: "create", form_name: FORM, entry_id: byLabel, record_id: expect.any(String), entry_details: { Description: "Sent by id and label", Impact: null, Urgency: null, Status: 1 } },
    ]);

    // Closing the open one is an update to Status 5: the condition no longer holds, nothing is sent.
    await updateEntry(tenant, open, { Status: "Closed" }, FORM);
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(2);
  });

  it("'DB.Status' and 'TR.Status' see the value before and the value set by an update; $USER$ is who made it", async () => {
    const tenant = await definedTenant();
    receiver = startReceiver();
    await subscribe(tenant, {
      form: FORM,
      events: ["update"],
      url: receiver.url,
      condition: `'DB.Status' = "New" AND 'TR.Status' = "Assigned" AND $USER$ = "api_key:${tenant.keyId}"`,
    });
    const first = await createEntry(tenant, { Status: "New" }, FORM);
    const second = await createEntry(tenant, { Status: "Pending" }, FORM);
    await updateEntry(tenant, first, { Status: "Assigned" }, FORM);
    await updateEntry(tenant, second, { Status: "Assigned" }, FORM);
    await updateEntry(tenant, first, { Description: "status untouched" }, FORM);
    await settle(tenant.id);
    expect(receiver.received.map((request) => [request.json.entry_id, request.json.entry_details])).toEqual([[first, { Status: 1 }]]);
  });

  it("payload fields given by id are sent under their names", async () => {
    const tenant = await definedTenant();
    receiver = startReceiver();
    await subscribe(tenant, { form: FORM, url: receiver.url, condition: `'7' < "Resolved"`, payloadFields: ["1000000000", "7"] });
    await createEntry(tenant, { Status: "Pending", Description: "d", Impact: 1 }, FORM);
    await createEntry(tenant, { Status: "Resolved", Description: "r" }, FORM);
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.json.entry_details)).toEqual([{ Description: "d", Status: 3 }]);
  });

  it("refuses at registration, in AR's error array, a condition or payload field the definition lacks", async () => {
    const tenant = await definedTenant();
    const register = (json: Record<string, unknown>) =>
      call(tenant.slug, "/api/arsys/v1.0/webhook", {
        key: tenant.key,
        json: { form_name: "hpd:help desk", entry_events: ["create"], callback: { url: "https://receiver.example/hook" }, ...json },
      });
    const badCondition = await register({ condition: `'Status' != "Closed" AND 'Priority' = "High"` });
    expect(badCondition.status).toBe(400);
    const [message] = await badCondition.json<ArMessage[]>();
    expect(message!.messageNumber).toBe(326);
    expect(message!.messageAppendedText).toContain("condition: names the field 'Priority', which the form does not define");
    const badPayload = await register({ payload_fields: ["Status", "Summary"] });
    expect(badPayload.status).toBe(400);
    expect((await badPayload.json<ArMessage[]>())[0]!.messageAppendedText).toContain("payload_fields.1");
    expect((await register({ condition: `'7' != "Closed" AND 'TR.Impact' > 1`, payload_fields: ["1000000000", "Status"] })).status).toBe(201);
    // A form without a definition takes any field, as before.
    expect((await register({ form_name: "Widget", condition: `'Priority' = "High"` })).status).toBe(201);
    const listed = await (await call(tenant.slug, "/api/arsys/v1.0/webhook", { key: tenant.key })).json<{ entries: unknown[] }>();
    expect(listed.entries).toHaveLength(2);
  });
});
