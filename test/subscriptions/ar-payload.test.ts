import { describe, expect, it } from "vitest";
import {
  FILE_PART_CONTENT_TYPE,
  JSON_PART_CONTENT_TYPE,
  renderArCallback,
  renderArMultipart,
  renderArPayload,
  type ArAttachment,
  type ArCallbackBody,
  type ArRecordEvent,
  type ArSubscription,
} from "../../src/subscriptions/ar-payload";
// The seed's example payloads, byte for byte (the seed's text lost the opening brace of three of them; it is restored).
import createGolden from "./golden/create.json?raw";
import customJsonGolden from "./golden/custom-json.json?raw";
import multipartEntryGolden from "./golden/multipart-entry.json?raw";
import multipartGolden from "./golden/multipart.txt?raw";
import updateGolden from "./golden/update.json?raw";

/** Same keys, same order, same values: what a receiver parsing the golden example would see. */
function expectSameJson(actual: unknown, golden: string): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(JSON.parse(golden)));
}

const helpDesk: ArSubscription = {
  webhookId: "WBH000000000001",
  formName: "HPD:Help Desk",
  payloadFields: ["Submitter", "Status", "Short Description"],
  sendUnchangedFields: false,
  customJson: null,
};

const incident = {
  Submitter: "Demo",
  Status: 0,
  "Short Description": "New Incident",
  Description: "The printer on floor 3 is on fire",
  Impact: 2,
};

function event(type: ArRecordEvent["type"], overrides: Partial<ArRecordEvent> = {}): ArRecordEvent {
  return {
    type,
    form: "HPD:Help Desk",
    entryId: "000000000000001",
    recordId: "AGGAA5V0G7LDIAQLFCY6QKGM9CABDM",
    data: incident,
    changedFields: type === "create" || type === "merge" ? Object.keys(incident).sort() : [],
    ...overrides,
  };
}

function bodyOf(subscription: ArSubscription, recordEvent: ArRecordEvent): ArCallbackBody | undefined {
  return renderArPayload(subscription, recordEvent)?.body;
}

/** What an attachment field holds in the record, and the stored file the delivery engine resolves it to. */
const sampleValue = { name: "sample.png", sizeBytes: 2048 };
const sample: ArAttachment = { ...sampleValue, ref: "t1/HPD%3AHelp%20Desk/Attachment1/abc123", url: "https://acme.example/api/arsys/v1.0/entry/HPD%3AHelp%20Desk/000000000000001/attach/Attachment1" };

describe("AR System callback payload: the seed's examples", () => {
  it("create: webhook_id, entry_event, form_name, entry_id, record_id and the registered fields (golden/create.json)", () => {
    expectSameJson(bodyOf(helpDesk, event("create")), createGolden);
  });

  it("update: only the registered fields that changed, without record_id (golden/update.json)", () => {
    const update = event("update", { changedFields: ["Description", "Short Description"] });
    expectSameJson(bodyOf(helpDesk, update), updateGolden);
  });

  it("custom JSON travels verbatim under custom_json, last, without touching the other keys (golden/custom-json.json)", () => {
    const customJson = JSON.parse(customJsonGolden) as Record<string, unknown>;
    const body = bodyOf({ ...helpDesk, customJson }, event("create"));
    expect(Object.keys(body ?? {})).toEqual(["webhook_id", "entry_event", "form_name", "entry_id", "record_id", "entry_details", "custom_json"]);
    expectSameJson(body?.custom_json, customJsonGolden);
    const { custom_json: _custom, ...rest } = body ?? {};
    expectSameJson(rest, createGolden);
  });

  it("multipart: an entry part with the JSON body, then attach-Attachment1 with the file (golden/multipart*.txt)", () => {
    const subscription = { ...helpDesk, payloadFields: [...helpDesk.payloadFields, "Attachment1"] };
    const rendered = renderArMultipart(subscription, event("create", { data: { ...incident, Attachment1: sampleValue }, attachments: { Attachment1: sample } }));
    const [entry, attachment, ...more] = rendered?.parts ?? [];
    expect(more).toEqual([]);

    // The seed's attachment example predates record_id (its create example has it); ours carries it like every create.
    expect(entry?.kind).toBe("entry");
    const { record_id: recordId, ...entryWithoutRecordId } = entry?.kind === "entry" ? entry.json : ({} as ArCallbackBody);
    expect(recordId).toBe("AGGAA5V0G7LDIAQLFCY6QKGM9CABDM");
    expectSameJson(entryWithoutRecordId, multipartEntryGolden);

    // Part names, file name and content types as the seed's multipart example shows them.
    const goldenParts = multipartGolden
      .split(/^--W3NByNRZZYy4ALu6xeZzvWXU3NVmYUxoRB(?:--)?$/m)
      .filter((chunk) => chunk.includes("Content-Disposition"))
      .map((chunk) => ({
        name: /name="([^"]+)"/.exec(chunk)?.[1],
        filename: /filename="([^"]+)"/.exec(chunk)?.[1],
        contentType: /^Content-Type: (.+)$/m.exec(chunk)?.[1],
      }));
    const ourParts = [entry, attachment].map((part) => ({
      name: part?.name,
      filename: part?.kind === "attachment" ? part.filename : undefined,
      contentType: part?.contentType,
    }));
    expect(ourParts).toEqual(goldenParts);
    expect(multipartGolden).toContain(`Content-Type: ${JSON_PART_CONTENT_TYPE}\n${multipartEntryGolden}`);
    expect(attachment).toEqual({
      kind: "attachment",
      name: "attach-Attachment1",
      filename: "sample.png",
      contentType: "application/octet-stream",
      sizeBytes: 2048,
      ref: sample.ref,
    });
  });
});

describe("AR System callback payload: field selection", () => {
  const all: ArSubscription = { ...helpDesk, payloadFields: [] };
  const unchanged: ArSubscription = { ...helpDesk, sendUnchangedFields: true };
  const allUnchanged: ArSubscription = { ...all, sendUnchangedFields: true };
  const { Description: _cleared, ...cleared } = incident;

  it.each<[string, ArSubscription, ArRecordEvent, Record<string, unknown> | null]>([
    ["create with payload fields sends them in registration order", { ...helpDesk, payloadFields: ["Status", "Submitter"] }, event("create"), { Status: 0, Submitter: "Demo" }],
    ["create without payload fields sends every field in record order", all, event("create"), incident],
    ["a registered field the record lacks is null", { ...helpDesk, payloadFields: ["Submitter", "Assignee"] }, event("create"), { Submitter: "Demo", Assignee: null }],
    ["repeated payload fields are sent once", { ...helpDesk, payloadFields: ["Status", "Status"] }, event("create"), { Status: 0 }],
    ["merge sends the registered fields like create", helpDesk, event("merge"), { Submitter: "Demo", Status: 0, "Short Description": "New Incident" }],
    ["update sends the registered fields that changed", helpDesk, event("update", { changedFields: ["Impact", "Status", "Submitter"] }), { Submitter: "Demo", Status: 0 }],
    ["update touching no registered field sends nothing", helpDesk, event("update", { changedFields: ["Description", "Impact"] }), null],
    ["update with send_unchanged_fields sends every registered field", unchanged, event("update", { changedFields: ["Status"] }), { Submitter: "Demo", Status: 0, "Short Description": "New Incident" }],
    ["update with send_unchanged_fields still sends nothing when no registered field changed", unchanged, event("update", { changedFields: ["Impact"] }), null],
    ["update without payload fields sends every changed field", all, event("update", { changedFields: ["Impact", "Status"] }), { Status: 0, Impact: 2 }],
    ["update without payload fields reports a removed field as null", all, event("update", { data: cleared, changedFields: ["Description"] }), { Description: null }],
    ["update without payload fields and send_unchanged_fields sends the whole record", allUnchanged, event("update", { changedFields: ["Impact"] }), incident],
    ["update that changed nothing sends nothing", all, event("update", { changedFields: [] }), null],
    ["nested values pass through unchanged", { ...helpDesk, payloadFields: ["Tags"] }, event("create", { data: { Tags: ["vpn", { site: "HQ" }] } }), { Tags: ["vpn", { site: "HQ" }] }],
  ])("%s", (_name, subscription, recordEvent, details) => {
    const body = bodyOf(subscription, recordEvent);
    if (details === null) expect(body).toBeUndefined();
    else expect(JSON.stringify(body?.entry_details)).toBe(JSON.stringify(details));
  });

  it("renderArPayload returns null, not an empty body, when there is no callback", () => {
    expect(renderArPayload(helpDesk, event("update", { changedFields: ["Impact"] }))).toBeNull();
  });
});

describe("AR System callback payload: the envelope per event", () => {
  const customJson = { action: "AddToLogicalGroup", group_id: "AGGAA5V0G7X59AQLD1QCQLD1QCUP1Z" };

  it.each<[ArRecordEvent["type"], string[]]>([
    ["create", ["webhook_id", "entry_event", "form_name", "entry_id", "record_id", "entry_details"]],
    ["merge", ["webhook_id", "entry_event", "form_name", "entry_id", "record_id", "entry_details"]],
    ["update", ["webhook_id", "entry_event", "form_name", "entry_id", "entry_details"]],
    ["delete", ["webhook_id", "entry_event", "form_name", "entry_id"]],
  ])("%s has keys %j, and custom_json last when registered", (type, keys) => {
    const recordEvent = event(type, { changedFields: ["Status"] });
    expect(Object.keys(bodyOf(helpDesk, recordEvent) ?? {})).toEqual(keys);
    expect(Object.keys(bodyOf({ ...helpDesk, customJson }, recordEvent) ?? {})).toEqual([...keys, "custom_json"]);
  });

  it.each(["create", "update", "merge", "delete"] as const)("entry_event is %j, in lower case", (type) => {
    expect(bodyOf(helpDesk, event(type, { changedFields: ["Status"] }))?.entry_event).toBe(type);
  });

  it("delete always calls back, with no entry_details even when payload fields are registered", () => {
    expect(bodyOf(helpDesk, event("delete", { changedFields: [] }))).toEqual({
      webhook_id: "WBH000000000001",
      entry_event: "delete",
      form_name: "HPD:Help Desk",
      entry_id: "000000000000001",
    });
  });

  it("custom JSON cannot overwrite the envelope: it stays nested", () => {
    const body = bodyOf({ ...helpDesk, customJson: { webhook_id: "spoofed", entry_details: {} } }, event("create"));
    expect(body?.webhook_id).toBe("WBH000000000001");
    expect(body?.entry_details).toEqual({ Submitter: "Demo", Status: 0, "Short Description": "New Incident" });
    expect(body?.custom_json).toEqual({ webhook_id: "spoofed", entry_details: {} });
  });

  it("an empty custom JSON object is sent as registered; null or absent leaves the key out", () => {
    expect(bodyOf({ ...helpDesk, customJson: {} }, event("create"))?.custom_json).toEqual({});
    expect(bodyOf({ ...helpDesk, customJson: null }, event("create"))).not.toHaveProperty("custom_json");
    const { customJson: _none, ...withoutCustomJson } = helpDesk;
    expect(bodyOf(withoutCustomJson, event("create"))).not.toHaveProperty("custom_json");
  });

  it("form_name is the subscription's form name", () => {
    expect(bodyOf({ ...helpDesk, formName: "HPD:Help Desk" }, event("create", { form: "HPD:Help Desk" }))?.form_name).toBe("HPD:Help Desk");
  });

  it("does not modify the event or the subscription it renders", () => {
    const subscription = structuredClone({ ...helpDesk, customJson });
    const recordEvent = structuredClone(event("update", { changedFields: ["Status"] }));
    renderArPayload(subscription, recordEvent);
    expect(subscription).toEqual({ ...helpDesk, customJson });
    expect(recordEvent).toEqual(event("update", { changedFields: ["Status"] }));
  });
});

describe("AR System callback payload: attachments", () => {
  const withAttachments: ArSubscription = { ...helpDesk, payloadFields: ["Submitter", "Attachment1", "Attachment2"] };
  const reportValue = { name: "report.pdf", sizeBytes: 10 };
  const report: ArAttachment = { ...reportValue, ref: "t1/HPD%3AHelp%20Desk/Attachment2/def456", url: "https://acme.example/attach/Attachment2" };
  const data = { ...incident, Attachment1: sampleValue, Attachment2: reportValue };
  const attachments = { Attachment1: sample, Attachment2: report };
  const withFiles = (type: ArRecordEvent["type"], overrides: Partial<ArRecordEvent> = {}) => event(type, { data, attachments, ...overrides });

  it("a value shaped like an attachment that storage did not resolve is an ordinary value", () => {
    expect(renderArCallback(withAttachments, event("create", { data }))).toEqual({ format: "json", body: bodyOf(withAttachments, event("create", { data })) });
    expect(bodyOf(withAttachments, event("create", { data }))?.entry_details).toEqual({ Submitter: "Demo", Attachment1: sampleValue, Attachment2: reportValue });
  });

  it("renderArPayload leaves attachment fields out of entry_details and lists them, in registration order", () => {
    const payload = renderArPayload(withAttachments, withFiles("create"));
    expect(payload?.body.entry_details).toEqual({ Submitter: "Demo" });
    expect(payload?.attachments.map((attachment) => attachment.field)).toEqual(["Attachment1", "Attachment2"]);
  });

  it("multipart sends the entry part first, then one attach-{field} part per attachment, octet-stream as in the seed", () => {
    const parts = renderArMultipart(withAttachments, withFiles("create"))?.parts;
    expect(parts?.map((part) => [part.kind, part.name, part.contentType])).toEqual([
      ["entry", "entry", JSON_PART_CONTENT_TYPE],
      ["attachment", "attach-Attachment1", FILE_PART_CONTENT_TYPE],
      ["attachment", "attach-Attachment2", FILE_PART_CONTENT_TYPE],
    ]);
    expect(parts?.[2]).toEqual({ kind: "attachment", name: "attach-Attachment2", filename: "report.pdf", contentType: FILE_PART_CONTENT_TYPE, sizeBytes: 10, ref: report.ref });
  });

  it("send_attachment_as_reference: plain JSON, each attachment field {name, sizeBytes, url} in entry_details, no ref", () => {
    const callback = renderArCallback({ ...withAttachments, sendAttachmentAsReference: true }, withFiles("create"));
    expect(callback?.format).toBe("json");
    const details = callback?.format === "json" ? callback.body.entry_details : undefined;
    expect(details).toEqual({
      Submitter: "Demo",
      Attachment1: { name: "sample.png", sizeBytes: 2048, url: sample.url },
      Attachment2: { name: "report.pdf", sizeBytes: 10, url: report.url },
    });
    expect(JSON.stringify(callback)).not.toContain(sample.ref);
  });

  it("update: only changed attachments travel (all of them with send_unchanged_fields)", () => {
    const update = withFiles("update", { changedFields: ["Attachment2"] });
    const parts = renderArMultipart(withAttachments, update)?.parts;
    expect(parts?.map((part) => part.name)).toEqual(["entry", "attach-Attachment2"]);
    expect(parts?.[0]?.kind === "entry" && parts[0].json.entry_details).toEqual({});
    const all = renderArMultipart({ ...withAttachments, sendUnchangedFields: true }, update)?.parts;
    expect(all?.map((part) => part.name)).toEqual(["entry", "attach-Attachment1", "attach-Attachment2"]);
  });

  it("an attachment removed by an update is reported as null in entry_details", () => {
    const { Attachment1: _removed, ...rest } = data;
    const parts = renderArMultipart(withAttachments, event("update", { data: rest, attachments: { Attachment2: report }, changedFields: ["Attachment1"] }))?.parts;
    expect(parts).toHaveLength(1);
    expect(parts?.[0]?.kind === "entry" && parts[0].json.entry_details).toEqual({ Attachment1: null });
  });

  it("renderArMultipart is null when there is no callback, and only the entry part without attachments", () => {
    expect(renderArMultipart(helpDesk, event("update", { changedFields: ["Impact"] }))).toBeNull();
    expect(renderArMultipart(helpDesk, event("create"))?.parts.map((part) => part.name)).toEqual(["entry"]);
  });

  it("renderArCallback chooses JSON, multipart or nothing", () => {
    expect(renderArCallback(helpDesk, event("create"))).toEqual({ format: "json", body: bodyOf(helpDesk, event("create")) });
    expect(renderArCallback(withAttachments, withFiles("create"))).toEqual({
      format: "multipart",
      parts: renderArMultipart(withAttachments, withFiles("create"))?.parts,
    });
    expect(renderArCallback(withAttachments, withFiles("delete"))).toMatchObject({ format: "json", body: { entry_event: "delete" } });
    expect(renderArCallback(withAttachments, withFiles("update", { changedFields: ["Impact"] }))).toBeNull();
  });
});
