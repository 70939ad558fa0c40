import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countRows, createTenant, shardOf, tenantUrl, type TestTenant } from "../helpers";

const FORM = "HPD:Help Desk";
const ENTRY = `/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`;
const MiB = 1024 * 1024;

interface FilePart {
  field: string;
  name: string;
  bytes: Uint8Array;
  type?: string;
}

/** Every byte value, 0 to 255, three times over: what a text round trip would mangle. */
const everyByte = (): Uint8Array => Uint8Array.from({ length: 768 }, (_, index) => index % 256);

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** AR's multipart entry write: `entry` with the JSON, then one `attach-{field}` file part per file. */
function multipart(values: Record<string, unknown>, files: FilePart[]): FormData {
  const form = new FormData();
  form.append("entry", JSON.stringify({ values }));
  for (const file of files) form.append(`attach-${file.field}`, new File([file.bytes], file.name, { type: file.type ?? "" }));
  return form;
}

function send(tenant: TestTenant, path: string, body: FormData | string, options: { method?: string; key?: string | null; contentType?: string } = {}) {
  const headers = new Headers();
  const key = options.key === undefined ? tenant.key : options.key;
  if (key) headers.set("authorization", key);
  if (options.contentType) headers.set("content-type", options.contentType);
  return SELF.fetch(tenantUrl(tenant.slug, path), { method: options.method ?? "POST", headers, body });
}

async function createWithFiles(tenant: TestTenant, values: Record<string, unknown>, files: FilePart[]): Promise<string> {
  const response = await send(tenant, ENTRY, multipart(values, files));
  expect(response.status, await response.clone().text()).toBe(201);
  return response.headers.get("location")!.split("/").pop()!;
}

const download = (tenant: TestTenant, id: string, field: string, key: string | null = tenant.key) =>
  SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}/attach/${encodeURIComponent(field)}`), { headers: key ? { authorization: key } : {} });

const entryValues = async (tenant: TestTenant, id: string) =>
  (await (await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}`), { headers: { authorization: tenant.key } })).json<{ values: Record<string, unknown> }>()).values;

/** The tenant's objects in the bucket (everything under its prefix). */
async function storedObjects(tenant: TestTenant): Promise<string[]> {
  return (await env.ATTACHMENTS.list({ prefix: `${tenant.id}/` })).objects.map((object) => object.key);
}

const hex = async (bytes: Uint8Array): Promise<string> => [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");

/** Byte for byte (compared by length and digest: a 10 MiB array compared element-wise would exhaust the test's memory). */
async function expectBytes(response: Response, expected: Uint8Array): Promise<void> {
  expect(response.status).toBe(200);
  const received = new Uint8Array(await response.arrayBuffer());
  expect(received.byteLength).toBe(expected.byteLength);
  if (expected.byteLength <= 4096) expect([...received]).toEqual([...expected]);
  else expect(await hex(received)).toBe(await hex(expected));
}

describe("AR entry attachments: upload and download", () => {
  it("a multipart create stores the file: the field holds {name, sizeBytes}, the download answers the same bytes", async () => {
    const tenant = await createTenant("att");
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 13, 10]);
    const id = await createWithFiles(tenant, { Status: "New", Attachment1: "sample.png" }, [{ field: "Attachment1", name: "sample.png", bytes: png, type: "image/png" }]);
    expect(await entryValues(tenant, id)).toEqual({ Status: "New", Attachment1: { name: "sample.png", sizeBytes: png.byteLength } });
    const response = await download(tenant, id, "Attachment1");
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="sample.png"; filename*=UTF-8''sample.png`);
    await expectBytes(response, png);
    // The record names no storage key, and neither does the event feed.
    const feed = await (await SELF.fetch(tenantUrl(tenant.slug, "/api/v1/events"), { headers: { authorization: tenant.key } })).text();
    expect(feed).not.toContain(tenant.id + "/");
    expect(feed).toContain('"sizeBytes":12');
  });

  it("a binary part with every byte value 0..255 round-trips exactly; a file without a type is octet-stream", async () => {
    const tenant = await createTenant("att");
    const bytes = everyByte();
    const id = await createWithFiles(tenant, { Status: "New" }, [{ field: "Blob", name: "all-bytes.bin", bytes }]);
    const response = await download(tenant, id, "Blob");
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    await expectBytes(response, bytes);
  });

  it("a multipart PUT replaces the file (a new update event); same name and size with other bytes is still a change", async () => {
    const tenant = await createTenant("att");
    const id = await createWithFiles(tenant, { Status: "New" }, [{ field: "Attachment1", name: "notes.txt", bytes: bytesOf("first") }]);
    const put = await send(tenant, `${ENTRY}/${id}`, multipart({ Status: "Assigned" }, [{ field: "Attachment1", name: "notes.txt", bytes: bytesOf("again") }]), { method: "PUT" });
    expect(put.status).toBe(204);
    await expectBytes(await download(tenant, id, "Attachment1"), bytesOf("again"));
    const events = await (await shardOf(tenant.id)).prepare("SELECT type, changed_fields FROM events WHERE tenant_id = ? ORDER BY seq").bind(tenant.id).all<{ type: string; changed_fields: string }>();
    expect(events.results.map((event) => [event.type, JSON.parse(event.changed_fields)])).toEqual([
      ["create", ["Attachment1", "Status"]],
      ["update", ["Attachment1", "Status"]],
    ]);
    // The replaced upload stays until retention: an older event may still be owed its bytes.
    expect(await storedObjects(tenant)).toHaveLength(2);
  });

  it("the JSON body keeps working, and a JSON write over an attachment field leaves a plain value (no download)", async () => {
    const tenant = await createTenant("att");
    const id = await createWithFiles(tenant, {}, [{ field: "Attachment1", name: "a.txt", bytes: bytesOf("abc") }]);
    const put = await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}`), {
      method: "PUT",
      headers: { authorization: tenant.key, "content-type": "application/json" },
      body: JSON.stringify({ values: { Attachment1: "see the ticket" } }),
    });
    expect(put.status).toBe(204);
    expect(await entryValues(tenant, id)).toEqual({ Attachment1: "see the ticket" });
    expect((await download(tenant, id, "Attachment1")).status).toBe(404);
  });

  it("404 in AR's error array for no such entry, field or attachment", async () => {
    const tenant = await createTenant("att");
    const id = await createWithFiles(tenant, { Status: "New" }, [{ field: "Attachment1", name: "a.txt", bytes: bytesOf("abc") }]);
    for (const [entry, field] of [["000000000000999", "Attachment1"], [id, "Attachment2"], [id, "Status"]] as const) {
      const response = await download(tenant, entry, field);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject([{ messageType: "ERROR", messageNumber: 302 }]);
    }
    await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}`), { method: "DELETE", headers: { authorization: tenant.key } });
    expect((await download(tenant, id, "Attachment1")).status).toBe(404);
    // A multipart PUT to an entry that is not there (deleted, or never was): 404, and its file is not kept.
    for (const entry of [id, "000000000000999"]) {
      const put = await send(tenant, `${ENTRY}/${entry}`, multipart({}, [{ field: "Attachment1", name: "b.txt", bytes: bytesOf("b") }]), { method: "PUT" });
      expect(put.status).toBe(404);
    }
    expect(await storedObjects(tenant)).toHaveLength(1);
  });

  it("refuses malformed multipart in AR's error array, storing nothing", async () => {
    const tenant = await createTenant("att");
    const noEntry = new FormData();
    noEntry.append("attach-A", new File([bytesOf("x")], "x.txt"));
    const textPart = multipart({}, []);
    textPart.append("attach-A", "not a file");
    const unknownPart = multipart({}, []);
    unknownPart.append("other", new File([bytesOf("x")], "x.txt"));
    const twice = multipart({}, [{ field: "A", name: "a.txt", bytes: bytesOf("a") }]);
    twice.append("attach-A", new File([bytesOf("b")], "b.txt"));
    const notValues = new FormData();
    notValues.append("entry", JSON.stringify({ values: "Status" }));
    for (const body of [noEntry, textPart, unknownPart, twice, notValues]) {
      const response = await send(tenant, ENTRY, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject([{ messageType: "ERROR", messageNumber: 326 }]);
    }
    expect((await send(tenant, ENTRY, "plain", { contentType: "text/plain" })).status).toBe(415);
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await storedObjects(tenant)).toEqual([]);
  });
});

describe("AR entry attachments: Idempotency-Key", () => {
  it("a retried multipart create (a new boundary, the same entry and files) replays the first entry and stores nothing more", async () => {
    const tenant = await createTenant("att");
    const files = [{ field: "Attachment1", name: "a.bin", bytes: everyByte() }];
    const first = await SELF.fetch(tenantUrl(tenant.slug, ENTRY), { method: "POST", headers: { authorization: tenant.key, "idempotency-key": "k1" }, body: multipart({ Status: "New" }, files) });
    const retry = await SELF.fetch(tenantUrl(tenant.slug, ENTRY), { method: "POST", headers: { authorization: tenant.key, "idempotency-key": "k1" }, body: multipart({ Status: "New" }, files) });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(await storedObjects(tenant)).toHaveLength(1);
    const other = await SELF.fetch(tenantUrl(tenant.slug, ENTRY), {
      method: "POST",
      headers: { authorization: tenant.key, "idempotency-key": "k1" },
      body: multipart({ Status: "New" }, [{ field: "Attachment1", name: "a.bin", bytes: bytesOf("other bytes") }]),
    });
    expect(other.status).toBe(409);
    expect(await storedObjects(tenant)).toHaveLength(1);
  });
});

describe("AR entry attachments: limits", () => {
  it("over 10 MiB of attachments in all is 413 in AR's error array: no record, no event, no object", async () => {
    const tenant = await createTenant("att");
    const half = new Uint8Array(5 * MiB + 1);
    for (const files of [
      [{ field: "Big", name: "big.bin", bytes: new Uint8Array(10 * MiB + 1) }],
      [{ field: "A", name: "a.bin", bytes: half }, { field: "B", name: "b.bin", bytes: half }],
    ]) {
      const response = await send(tenant, ENTRY, multipart({ Status: "New" }, files));
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject([{ messageType: "ERROR", messageNumber: 8791 }]);
    }
    // A body past what the limits allow at all is refused on its length, before it is parsed.
    const huge = await send(tenant, ENTRY, multipart({}, [{ field: "Huge", name: "huge.bin", bytes: new Uint8Array(12 * MiB) }]));
    expect(huge.status).toBe(413);
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await countRows("events", tenant.id)).toBe(0);
    expect(await countRows("record_attachments", tenant.id)).toBe(0);
    expect(await storedObjects(tenant)).toEqual([]);
  });

  it("exactly 10 MiB in all is accepted", async () => {
    const tenant = await createTenant("att");
    const bytes = new Uint8Array(10 * MiB).map((_, index) => index % 251);
    const id = await createWithFiles(tenant, {}, [{ field: "Big", name: "big.bin", bytes }]);
    await expectBytes(await download(tenant, id, "Big"), bytes);
  });
});

describe("AR entry attachments: tenants", () => {
  it("no key, a wrong key or another tenant's key: 401 on upload and download; another tenant never reads the bytes", async () => {
    const a = await createTenant("att-a");
    const b = await createTenant("att-b");
    const secret = bytesOf("tenant A's file");
    const id = await createWithFiles(a, { Status: "New" }, [{ field: "Attachment1", name: "a.txt", bytes: secret }]);
    for (const key of [null, "hg_wrong_key", b.key]) {
      expect((await download(a, id, "Attachment1", key)).status).toBe(401);
      expect((await send(a, ENTRY, multipart({}, [{ field: "X", name: "x.txt", bytes: bytesOf("x") }]), { key })).status).toBe(401);
      expect((await send(a, `${ENTRY}/${id}`, multipart({}, [{ field: "Attachment1", name: "x.txt", bytes: bytesOf("x") }]), { key, method: "PUT" })).status).toBe(401);
    }
    // B's own entry with the same id: no attachment there, and A's bytes never answer B.
    const other = await createWithFiles(b, { Status: "New" }, []);
    expect(other).toBe(id);
    expect((await download(b, id, "Attachment1")).status).toBe(404);
    const bFile = bytesOf("tenant B's file");
    await send(b, `${ENTRY}/${id}`, multipart({}, [{ field: "Attachment1", name: "a.txt", bytes: bFile }]), { method: "PUT" });
    await expectBytes(await download(b, id, "Attachment1"), bFile);
    await expectBytes(await download(a, id, "Attachment1"), secret);
    expect((await storedObjects(b)).every((key) => key.startsWith(`${b.id}/`))).toBe(true);
    expect(await storedObjects(a)).toHaveLength(1);
  });
});

describe("AR entry attachments: concurrency", () => {
  it("two multipart PUTs racing on one entry: the record names the file whose bytes it serves", async () => {
    const tenant = await createTenant("att");
    const id = await createWithFiles(tenant, { Status: "New" }, []);
    for (let round = 0; round < 3; round++) {
      const uploads = [0, 1].map((writer) => ({ field: "Attachment1", name: `writer-${writer}-${round}.bin`, bytes: bytesOf(`bytes of writer ${writer} in round ${round}`.repeat(writer + 1)) }));
      const answers = await Promise.all(uploads.map((upload) => send(tenant, `${ENTRY}/${id}`, multipart({ Round: round }, [upload]), { method: "PUT" })));
      expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
      const named = (await entryValues(tenant, id)).Attachment1 as { name: string; sizeBytes: number };
      const winner = uploads.find((upload) => upload.name === named.name)!;
      expect(named.sizeBytes).toBe(winner.bytes.byteLength);
      await expectBytes(await download(tenant, id, "Attachment1"), winner.bytes);
    }
  });
});

describe("AR entry attachments: erasure", () => {
  it("erasing the record deletes every object it uploaded and their rows", async () => {
    const tenant = await createTenant("att");
    const id = await createWithFiles(tenant, {}, [
      { field: "A", name: "a.bin", bytes: bytesOf("a") },
      { field: "B", name: "b.bin", bytes: bytesOf("b") },
    ]);
    await send(tenant, `${ENTRY}/${id}`, multipart({}, [{ field: "A", name: "a2.bin", bytes: bytesOf("a2") }]), { method: "PUT" });
    const keep = await createWithFiles(tenant, {}, [{ field: "A", name: "keep.bin", bytes: bytesOf("keep") }]);
    expect(await storedObjects(tenant)).toHaveLength(4);
    const erased = await SELF.fetch(tenantUrl(tenant.slug, `/api/v1/records/${encodeURIComponent(FORM)}/${id}?erase=true`), { method: "DELETE", headers: { authorization: tenant.key } });
    expect(erased.status).toBe(204);
    expect(await storedObjects(tenant)).toHaveLength(1);
    expect(await countRows("record_attachments", tenant.id)).toBe(1);
    expect((await download(tenant, id, "A")).status).toBe(404);
    await expectBytes(await download(tenant, keep, "A"), bytesOf("keep"));
  });
});
