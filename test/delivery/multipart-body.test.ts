import { describe, expect, it } from "vitest";
import { assembleBody, planMultipartBody, plannedFileBytes } from "../../src/delivery/multipart-body";
import type { ArCallbackPart } from "../../src/subscriptions/ar-payload";

const parts: ArCallbackPart[] = [
  { kind: "entry", name: "entry", contentType: "application/json; charset=UTF-8", json: { webhook_id: "WBH000000000001", entry_event: "create", form_name: "F", entry_id: "1" } },
  { kind: "attachment", name: "attach-A", filename: "a.bin", contentType: "application/octet-stream", sizeBytes: 3, ref: "t1/F/A/u1" },
];

describe("multipart delivery bodies: a plan stored, bytes loaded at send time", () => {
  it("stores a plan that names the object, not its bytes, and assembles the same bytes on every attempt", async () => {
    const planned = planMultipartBody(parts, "hookgate-7-WBH000000000001");
    expect(planned.contentType).toBe("multipart/form-data; boundary=hookgate-7-WBH000000000001");
    expect(planned.body).toContain('"ref":"t1/F/A/u1"');
    const loaded: string[] = [];
    const load = async (ref: string) => (loaded.push(ref), new Uint8Array([0, 128, 255]));
    const first = await assembleBody({ body: planned.body, content_type: planned.contentType }, load);
    const second = await assembleBody({ body: planned.body, content_type: planned.contentType }, load);
    expect(first).toEqual(second);
    expect(loaded).toEqual(["t1/F/A/u1", "t1/F/A/u1"]);
    if (!first.ok) throw new Error(first.error);
    const form = await new Response(first.body, { headers: { "content-type": first.contentType } }).formData();
    expect(JSON.parse(form.get("entry") as string)).toEqual(parts[0]!.kind === "entry" ? parts[0]!.json : null);
    expect([...new Uint8Array(await (form.get("attach-A") as File).arrayBuffer())]).toEqual([0, 128, 255]);
  });

  it("a file that is gone makes the body unsendable, with the part named", async () => {
    const planned = planMultipartBody(parts, "b");
    const result = await assembleBody({ body: planned.body, content_type: planned.contentType }, async () => null);
    expect(result).toEqual({ ok: false, error: expect.stringContaining("'attach-A' is no longer stored") });
  });

  it("knows the file bytes a plan will load before loading them (the memory budget takes them first)", () => {
    const planned = planMultipartBody(parts, "b");
    expect(plannedFileBytes({ body: planned.body, content_type: planned.contentType })).toBe(3);
    expect(plannedFileBytes({ body: '{"a":1}', content_type: "application/json" })).toBe(0);
  });

  it("any other body is sent as stored", async () => {
    const json = { body: '{"a":1}', content_type: "application/json" };
    expect(await assembleBody(json, async () => null)).toEqual({ ok: true, body: json.body, contentType: json.content_type });
    const text = { body: "--x\r\nnot a plan", content_type: "multipart/form-data; boundary=x" };
    expect(await assembleBody(text, async () => null)).toEqual({ ok: true, body: text.body, contentType: text.content_type });
  });
});
