/**
 * The served OpenAPI documents work with the tools API clients are generated with: Redocly's recommended lint
 * (0 errors), swagger-parser's validation, openapi-typescript's generation (one `operations` entry per
 * operationId; the committed test-browser/generated/hookgate-api.ts is current), and an openapi-fetch client
 * typed by that file making real calls to the running gateway.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import SwaggerParser from "@apidevtools/swagger-parser";
import createClient from "openapi-fetch";
import { API_TYPES_PATH, REGENERATE_COMMAND, apiTypesSource } from "../scripts/openapi-types.mjs";
import type { components, paths } from "./generated/hookgate-api";

const gateway = inject("gateway");
const DOCUMENT_PATHS = { tenant: "/openapi.json", admin: "/admin/openapi.json" } as const;
type DocumentName = keyof typeof DOCUMENT_PATHS;
type Document = { paths: Record<string, Record<string, { operationId?: string }>> };

const documents = new Map<DocumentName, Promise<{ source: string; document: Document }>>();
function served(name: DocumentName) {
  if (!documents.has(name)) {
    documents.set(
      name,
      fetch(`${gateway.origin}${DOCUMENT_PATHS[name]}`).then(async (response) => {
        expect(response.status).toBe(200);
        const source = await response.text();
        return { source, document: JSON.parse(source) as Document };
      }),
    );
  }
  return documents.get(name)!;
}

const operationIds = (document: Document) =>
  Object.values(document.paths).flatMap((item) =>
    Object.entries(item)
      .filter(([key]) => key !== "parameters")
      .map(([, operation]) => operation.operationId!),
  );

describe.each(Object.keys(DOCUMENT_PATHS) as DocumentName[])("the %s document", (name) => {
  it("passes Redocly's recommended rules with no errors", async () => {
    const { source } = await served(name);
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source, absoluteRef: `${gateway.origin}${DOCUMENT_PATHS[name]}`, config });
    const errors = problems.filter((problem) => problem.severity === "error").map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(errors).toEqual([]);
  });

  it("passes swagger-parser's validation", async () => {
    const { document } = await served(name);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it("generates TypeScript types with one operations entry per operationId", async () => {
    const { document } = await served(name);
    const source = await apiTypesSource(document);
    expect(source).toContain("export interface operations {");
    const ids = operationIds(document);
    expect(ids.length).toBeGreaterThan(name === "tenant" ? 40 : 10);
    expect(ids.filter((id) => !source.includes(`\n    ${id}: {`))).toEqual([]);
  });
});

describe("the generated tenant API types", () => {
  it("the committed file is what the served document generates", async () => {
    const fresh = await apiTypesSource((await served("tenant")).document);
    expect(readFileSync(API_TYPES_PATH, "utf8") === fresh, `test-browser/generated/hookgate-api.ts is stale; regenerate it: ${REGENERATE_COMMAND}`).toBe(true);
  });

  it("type an openapi-fetch client: create an AR entry, read it, find its event and its record", async () => {
    const client = createClient<paths>({ baseUrl: `${gateway.origin}/t/acme`, headers: { Authorization: gateway.apiKey } });
    const formName = "OpenAPI Client";
    const description = `Typed client ${Date.now().toString(36)}`;

    const created = await client.POST("/api/arsys/v1.0/entry/{formName}", {
      params: { path: { formName } },
      body: { values: { Status: "New", Description: description } },
    });
    expect(created.response.status).toBe(201);
    const location = created.response.headers.get("location") ?? "";
    expect(location).toContain("/api/arsys/v1.0/entry/OpenAPI%20Client/");
    const entryId = location.split("/").pop()!;

    const entry = await client.GET("/api/arsys/v1.0/entry/{formName}/{entryId}", { params: { path: { formName, entryId } } });
    expect(entry.response.status).toBe(200);
    expect(entry.data?.values).toEqual({ Status: "New", Description: description });

    // The feed pages in commit order from `after`; the entry's create event is on one of its pages.
    let after = 0;
    let event: components["schemas"]["Event"] | undefined;
    for (;;) {
      const page = await client.GET("/api/v1/events", { params: { query: { after, limit: 1000 } } });
      expect(page.response.status).toBe(200);
      event = page.data!.items.find((item) => item.form === formName && item.recordId === entryId);
      if (event || page.data!.items.length === 0) break;
      after = page.data!.nextAfter;
    }
    expect(event).toMatchObject({ type: "create", changedFields: ["Description", "Status"], data: { Status: "New", Description: description }, erased: false });

    const record = await client.GET("/api/v1/records/{form}/{id}", { params: { path: { form: formName, id: entryId } } });
    expect(record.response.status).toBe(200);
    expect(record.data).toMatchObject({ id: entryId, form: formName, version: 1, data: { Status: "New", Description: description }, deletedAt: null });

    // Errors are typed too: AR System's message array on /api/arsys/*, the envelope elsewhere.
    const missingEntry = await client.GET("/api/arsys/v1.0/entry/{formName}/{entryId}", { params: { path: { formName, entryId: "999999999999999" } } });
    expect(missingEntry.response.status).toBe(404);
    expect(missingEntry.error?.[0]?.messageNumber).toBe(302);
    const missingRecord = await client.GET("/api/v1/records/{form}/{id}", { params: { path: { form: formName, id: "999999999999999" } } });
    expect(missingRecord.response.status).toBe(404);
    expect(missingRecord.error?.error.code).toBe("NOT_FOUND");
  });
});
