import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { pruneExpired } from "../../src/admin/retention-job";
import { countRows, createTenant, tenantUrl, type TestTenant } from "../helpers";

const DAY = 24 * 60 * 60 * 1000;
const ENTRY = "/api/arsys/v1.0/entry/Widget";

async function upload(tenant: TestTenant, text: string, entryId?: string): Promise<string> {
  const form = new FormData();
  form.append("entry", JSON.stringify({ values: {} }));
  form.append("attach-File", new File([text], `${text}.txt`));
  const response = await SELF.fetch(tenantUrl(tenant.slug, entryId ? `${ENTRY}/${entryId}` : ENTRY), { method: entryId ? "PUT" : "POST", headers: { authorization: tenant.key }, body: form });
  expect(response.status).toBe(entryId ? 204 : 201);
  return entryId ?? response.headers.get("location")!.split("/").pop()!;
}

const objects = async (tenant: TestTenant) => (await env.ATTACHMENTS.list({ prefix: `${tenant.id}/` })).objects.length;

describe("retention of attachments", () => {
  it("prunes uploads a later upload replaced, object and row; the file a record names now stays", async () => {
    const tenant = await createTenant("att-ret");
    const id = await upload(tenant, "first");
    await upload(tenant, "second", id);
    await upload(tenant, "third", id);
    expect(await objects(tenant)).toBe(3);
    // Not yet past the retention: nothing goes.
    await pruneExpired(env, Date.now() + DAY, { tenantsPerRun: 100_000, batch: 500, batchesPerTable: 4 });
    expect(await objects(tenant)).toBe(3);
    const report = await pruneExpired(env, Date.now() + 31 * DAY, { tenantsPerRun: 100_000, batch: 500, batchesPerTable: 4 });
    expect(report.deleted.replacedAttachments).toBeGreaterThanOrEqual(2);
    expect(await objects(tenant)).toBe(1);
    expect(await countRows("record_attachments", tenant.id)).toBe(1);
    const current = await SELF.fetch(tenantUrl(tenant.slug, `${ENTRY}/${id}/attach/File`), { headers: { authorization: tenant.key } });
    expect(new TextDecoder().decode(await current.arrayBuffer())).toBe("third");
  });
});
