/**
 * The files of a multipart entry on a DEFINED form obey its definition like the JSON values do: a part may name
 * its field by id or in any case (stored and served under the field's name), and a part for a field the form
 * lacks, or for a field that is not an attachment, is 400 in AR's error array with nothing stored.
 */
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countRows, createTenant, shardOf, tenantUrl, type TestTenant } from "../helpers";

const FORM = "HPD:Help Desk";
const ENTRY = `/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`;
const FIELDS = [
  { id: 7, name: "Status", type: "selection", options: { "0": "New", "5": "Closed" } },
  { id: 1000000000, name: "Description", type: "character" },
  { id: 1000000351, name: "Attachment1", type: "attachment" },
];
const BYTES = Uint8Array.from({ length: 300 }, (_, index) => index % 256);

async function definedTenant(): Promise<TestTenant> {
  const tenant = await createTenant();
  const put = await call(tenant.slug, `/api/v1/forms/${encodeURIComponent(FORM)}`, { key: tenant.key, method: "PUT", json: { fields: FIELDS } });
  expect(put.status).toBe(200);
  return tenant;
}

function upload(tenant: TestTenant, part: string) {
  const form = new FormData();
  form.append("entry", JSON.stringify({ values: { Description: "VPN down", Status: "New" } }));
  form.append(part, new File([BYTES], "trace.bin"));
  return SELF.fetch(tenantUrl(tenant.slug, ENTRY), { method: "POST", headers: { authorization: tenant.key }, body: form });
}

describe("multipart files on a defined form", () => {
  it.each(["attach-1000000351", "attach-attachment1", "attach-Attachment1"])("%s is stored and served as Attachment1", async (part) => {
    const tenant = await definedTenant();
    const response = await upload(tenant, part);
    expect(response.status, await response.clone().text()).toBe(201);
    const id = response.headers.get("location")!.split("/").pop()!;
    const entry = await (await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}`), { headers: { authorization: tenant.key } })).json<{ values: Record<string, unknown> }>();
    expect(entry.values).toMatchObject({ Attachment1: { name: "trace.bin", sizeBytes: BYTES.byteLength }, Status: 0 });
    expect(Object.keys(entry.values)).not.toContain("1000000351");
    for (const reference of ["Attachment1", "1000000351", "attachment1"]) {
      const download = await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}/attach/${reference}`), { headers: { authorization: tenant.key } });
      expect(download.status, reference).toBe(200);
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(BYTES);
    }
  });

  it.each([
    ["attach-Scratch", /attach-Scratch \(attach-Scratch: is not a field of the form\)/],
    ["attach-Description", /is not an attachment field \(field 1000000000, Description, character\)/],
  ])("%s is 400 (AR 326) and stores nothing", async (part, message) => {
    const tenant = await definedTenant();
    const response = await upload(tenant, part);
    expect(response.status).toBe(400);
    const [error] = await response.json<{ messageNumber: number; messageAppendedText: string }[]>();
    expect(error!.messageNumber).toBe(326);
    expect(error!.messageAppendedText).toMatch(message);
    expect(await countRows("records", tenant.id)).toBe(0);
    expect((await env.ATTACHMENTS.list({ prefix: `${tenant.id}/` })).objects).toEqual([]);
    expect((await (await shardOf(tenant.id)).prepare("SELECT COUNT(*) AS n FROM record_attachments WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>())!.n).toBe(0);
  });
});
