import { SELF, env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { useTransport } from "../../src/outbound/transport";
import { verifyStandardWebhook } from "../../src/outbound/signing";
import { call, createTenant, tenantUrl, type TestTenant } from "../helpers";
import { listDeliveries, settle, subscribe } from "../delivery/harness";

const FORM = "HPD:Help Desk";
const ENTRY = `/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`;

interface Callback {
  headers: Headers;
  bytes: Uint8Array;
}

/** A receiver that keeps each callback's exact bytes (the shared harness decodes bodies as text). */
function startByteReceiver(answer: (index: number) => Promise<Response> | Response = () => new Response("ok")) {
  const url = `https://bytes-${crypto.randomUUID()}.receiver.test/hook`;
  const received: Callback[] = [];
  const restore = useTransport(async (request) => {
    if (!request.url.startsWith(url)) return new Response("not this test's receiver", { status: 503 });
    received.push({ headers: request.headers, bytes: new Uint8Array(await request.arrayBuffer()) });
    return answer(received.length - 1);
  });
  return { url, received, restore };
}

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const everyByte = (): Uint8Array => Uint8Array.from({ length: 512 }, (_, index) => index % 256);

async function writeWithFile(tenant: TestTenant, values: Record<string, unknown>, file: { field: string; name: string; bytes: Uint8Array }, entryId?: string) {
  const form = new FormData();
  form.append("entry", JSON.stringify({ values }));
  form.append(`attach-${file.field}`, new File([file.bytes], file.name, { type: "image/png" }));
  const path = entryId ? `${ENTRY}/${entryId}` : ENTRY;
  const response = await SELF.fetch(tenantUrl(tenant.slug, path), { method: entryId ? "PUT" : "POST", headers: { authorization: tenant.key }, body: form });
  expect(response.status).toBe(entryId ? 204 : 201);
  return entryId ?? response.headers.get("location")!.split("/").pop()!;
}

/** The callback parsed back as a receiver would, with the platform's own multipart parser. */
const formOf = (callback: Callback) =>
  new Response(callback.bytes, { headers: { "content-type": callback.headers.get("content-type")! } }).formData();

describe("AR callbacks with attachments", () => {
  it("payload_fields with an attachment field: a signed multipart callback whose file part holds the uploaded bytes", async () => {
    const receiver = startByteReceiver();
    restore = receiver.restore;
    const tenant = await createTenant("att-cb");
    const id = await subscribe(tenant, { form: FORM, url: receiver.url, payloadFields: ["Status", "Attachment1"] });
    const bytes = everyByte();
    const entryId = await writeWithFile(tenant, { Status: "New" }, { field: "Attachment1", name: "sample.png", bytes });
    await settle(tenant.id);

    expect(receiver.received).toHaveLength(1);
    const [callback] = receiver.received;
    expect(callback!.headers.get("content-type")).toBe(`multipart/form-data; boundary=hookgate-1-${id}`);
    // The seed's layout: the entry part first (JSON), then attach-Attachment1 with its filename, octet-stream, binary.
    const text = new TextDecoder("latin1").decode(callback!.bytes);
    expect(text.startsWith(`--hookgate-1-${id}\r\nContent-Disposition: form-data; name="entry"\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{`)).toBe(true);
    expect(text).toContain(
      `\r\n--hookgate-1-${id}\r\nContent-Disposition: form-data; name="attach-Attachment1"; filename="sample.png"\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n`,
    );
    expect(text.endsWith(`\r\n--hookgate-1-${id}--\r\n`)).toBe(true);

    const form = await formOf(callback!);
    expect(JSON.parse(form.get("entry") as string)).toMatchObject({ webhook_id: id, entry_event: "create", form_name: FORM, entry_id: entryId, entry_details: { Status: "New" } });
    const file = form.get("attach-Attachment1") as File;
    expect(file.name).toBe("sample.png");
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([...bytes]);

    // Signed over the exact bytes sent.
    const secret = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>();
    expect(await verifyStandardWebhook(callback!.headers, callback!.bytes, [secret.key], Date.now())).toMatchObject({ ok: true });
  });

  it("an update sends the new file; an update that leaves the file alone sends JSON without it", async () => {
    const receiver = startByteReceiver();
    restore = receiver.restore;
    const tenant = await createTenant("att-cb");
    await subscribe(tenant, { form: FORM, url: receiver.url, payloadFields: ["Status", "Attachment1"] });
    const entryId = await writeWithFile(tenant, { Status: "New" }, { field: "Attachment1", name: "v1.png", bytes: new Uint8Array([1, 2, 3]) });
    const second = new Uint8Array([0, 255, 0, 255]);
    await writeWithFile(tenant, {}, { field: "Attachment1", name: "v2.png", bytes: second }, entryId);
    const put = await call(tenant.slug, `${ENTRY}/${entryId}`, { key: tenant.key, method: "PUT", json: { values: { Status: "Closed" } } });
    expect(put.status).toBe(204);
    await settle(tenant.id);

    expect(receiver.received.map((callback) => callback.headers.get("content-type")!.split(";")[0])).toEqual(["multipart/form-data", "multipart/form-data", "application/json"]);
    const update = await formOf(receiver.received[1]!);
    expect(JSON.parse(update.get("entry") as string)).toMatchObject({ entry_event: "update", entry_details: {} });
    const file = update.get("attach-Attachment1") as File;
    expect(file.name).toBe("v2.png");
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([...second]);
    expect(JSON.parse(new TextDecoder().decode(receiver.received[2]!.bytes))).toMatchObject({ entry_event: "update", entry_details: { Status: "Closed" } });
  });

  it("send_attachment_as_reference: JSON with {name, sizeBytes, url}; the URL, with the tenant's key, answers the same bytes", async () => {
    const receiver = startByteReceiver();
    restore = receiver.restore;
    const tenant = await createTenant("att-cb");
    const registered = await call(tenant.slug, "/api/arsys/v1.0/webhook", {
      key: tenant.key,
      json: {
        form_name: FORM,
        entry_events: ["create"],
        callback: { url: receiver.url, authentication: { type: "NO_AUTH" } },
        payload_fields: ["Status", "Attachment1"],
        send_attachment_as_reference: true,
        retry_policy: { retryDelaysMs: [1, 1, 1], maxAttempts: 4, timeoutMs: 1_000 },
      },
    });
    expect(registered.status).toBe(201);
    const bytes = everyByte();
    const entryId = await writeWithFile(tenant, { Status: "New" }, { field: "Attachment1", name: "sample.png", bytes });
    await settle(tenant.id);

    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.get("content-type")).toBe("application/json");
    const body = JSON.parse(new TextDecoder().decode(receiver.received[0]!.bytes)) as { entry_details: Record<string, unknown> };
    const url = `http://${tenant.slug}.hookgate.test${ENTRY}/${entryId}/attach/Attachment1`;
    expect(body.entry_details).toEqual({ Status: "New", Attachment1: { name: "sample.png", sizeBytes: bytes.byteLength, url } });
    const fetched = await SELF.fetch(url, { headers: { authorization: tenant.key } });
    expect(fetched.status).toBe(200);
    expect([...new Uint8Array(await fetched.arrayBuffer())]).toEqual([...bytes]);
  });

  it("with a transformation, files go as references in `payload` and the callback is the template's JSON, never multipart", async () => {
    const receiver = startByteReceiver();
    restore = receiver.restore;
    const tenant = await createTenant("att-xform");
    await subscribe(tenant, {
      form: FORM,
      url: receiver.url,
      payloadFields: ["Status", "Attachment1"],
      transformation: `{"status": {{ payload.entry_details.Status | tojson }}, "file": {{ payload.entry_details.Attachment1 | tojson }}}`,
    });
    const bytes = everyByte();
    const entryId = await writeWithFile(tenant, { Status: "New" }, { field: "Attachment1", name: "sample.png", bytes });
    await settle(tenant.id);

    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.get("content-type")).toBe("application/json");
    const url = `http://${tenant.slug}.hookgate.test${ENTRY}/${entryId}/attach/Attachment1`;
    expect(JSON.parse(new TextDecoder().decode(receiver.received[0]!.bytes))).toEqual({ status: "New", file: { name: "sample.png", sizeBytes: bytes.byteLength, url } });
  });

  it("a file no longer stored when a retry comes: the delivery is dead-lettered at once, with the reason", async () => {
    let tenantId = "";
    const receiver = startByteReceiver(async (index) => {
      if (index === 0) {
        const stored = await env.ATTACHMENTS.list({ prefix: `${tenantId}/` });
        await env.ATTACHMENTS.delete(stored.objects.map((object) => object.key));
      }
      return new Response("try again", { status: 503 });
    });
    restore = receiver.restore;
    const tenant = await createTenant("att-cb");
    tenantId = tenant.id;
    await subscribe(tenant, { form: FORM, url: receiver.url, payloadFields: ["Attachment1"], maxAttempts: 5 });
    await writeWithFile(tenant, {}, { field: "Attachment1", name: "gone.png", bytes: new Uint8Array([7]) });
    await settle(tenant.id);

    expect(receiver.received).toHaveLength(1);
    const [delivery] = await listDeliveries(tenant);
    expect(delivery).toMatchObject({ status: "dead", attempts: 2 });
    expect(delivery!.lastError).toContain("no longer stored");
  });
});
