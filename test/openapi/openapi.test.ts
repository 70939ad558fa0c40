import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { compileErrors, validate } from "@readme/openapi-parser";
import { app } from "../../src/app";
import { DOC_PATHS, SCALAR_CDN } from "../../src/openapi/routes";
import { BASE_DOMAIN, createTenant, tenantUrl } from "../helpers";

type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, { operationId?: string; summary?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> };
  security: Record<string, string[]>[];
};

async function fetchDocument(url: string): Promise<Document> {
  const response = await SELF.fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json();
}

const tenantDoc = () => fetchDocument(`http://${BASE_DOMAIN}/openapi.json`);
const adminDoc = () => fetchDocument(`http://${BASE_DOMAIN}/admin/openapi.json`);

/** Every method + path the app answers, as OpenAPI paths, without middleware, the /t/{tenant} mirror and the doc routes. */
function mountedRoutes(): string[] {
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    if (route.path === "/t/:tenant" || route.path.startsWith("/t/:tenant/")) continue;
    if ((DOC_PATHS as readonly string[]).includes(route.path)) continue;
    // The portal serves HTML pages for browsers, not API operations.
    if (route.path === "/portal" || route.path.startsWith("/portal/")) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
    routes.add(`${route.method.toLowerCase()} ${path}`);
  }
  return [...routes].sort();
}

const documented = (document: Document): string[] =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).filter((key) => key !== "parameters").map((method) => `${method} ${path}`));

describe("OpenAPI documents", () => {
  it("the tenant document is a valid OpenAPI 3.1 document", async () => {
    const document = await tenantDoc();
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("the admin document is a valid OpenAPI 3.1 document", async () => {
    const document = await adminDoc();
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("the validator runs inside workerd and does reject a broken document", async () => {
    const broken = structuredClone(await tenantDoc()) as unknown as { info: object; paths: Record<string, { get: { responses: unknown } }> };
    broken.info = {};
    broken.paths["/healthz"]!.get.responses = "none";
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it("documents every mounted route, in exactly one of the two documents", async () => {
    const [tenant, admin] = await Promise.all([tenantDoc(), adminDoc()]);
    const mounted = mountedRoutes();
    const tenantOps = documented(tenant);
    const adminOps = documented(admin);
    expect(mounted.length).toBeGreaterThan(50);
    expect(mounted.filter((route) => !tenantOps.includes(route) && !adminOps.includes(route))).toEqual([]);
    // Nothing documented that the app does not answer, and no route in both.
    expect([...tenantOps, ...adminOps].filter((route) => !mounted.includes(route))).toEqual([]);
    expect(tenantOps.filter((route) => adminOps.includes(route))).toEqual([]);
    expect(adminOps.every((route) => route.split(" ")[1]!.startsWith("/admin/v1/"))).toBe(true);
  });

  it("names every operation of both documents: a summary and an operationId, unique across both", async () => {
    const [tenant, admin] = await Promise.all([tenantDoc(), adminDoc()]);
    const operations = [tenant, admin].flatMap((document) =>
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => method !== "parameters")
          .map(([method, operation]) => ({ route: `${method} ${path}`, operationId: operation.operationId, summary: operation.summary })),
      ),
    );
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter((operation) => !operation.summary?.trim()).map((operation) => operation.route), "operations without a summary").toEqual([]);
    expect(operations.filter((operation) => !operation.operationId).map((operation) => operation.route), "operations without an operationId").toEqual([]);
    expect(operations.filter((operation) => !/^[a-z][A-Za-z0-9]*$/.test(operation.operationId!)).map((operation) => operation.operationId), "operationIds not in camelCase").toEqual([]);
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index), "operationIds used twice").toEqual([]);
  });

  it("describes both tenant servers, the security schemes and the error shapes", async () => {
    const document = await tenantDoc();
    expect(document.servers.map((server) => server.url)).toEqual(["http://{tenant}.{baseDomain}", "http://{baseDomain}/t/{tenant}"]);
    const schemes = document.components.securitySchemes;
    expect(Object.keys(schemes).sort()).toEqual(["apiKey", "arJwt", "bearerApiKey", "serviceAccount"]);
    expect(schemes.bearerApiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.serviceAccount).toMatchObject({ type: "http", scheme: "basic" });
    expect(document.components.schemas).toHaveProperty("Error");
    expect(document.components.schemas).toHaveProperty("ArErrors");

    const createTicket = document.paths["/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket"]!.post!;
    expect(createTicket.responses["401"]!.content!["application/json"]!.schema.$ref).toBe("#/components/schemas/Error");
    const arCreate = document.paths["/api/arsys/v1.0/webhook"]!.post!;
    expect(arCreate.responses["401"]!.content!["application/json"]!.schema.$ref).toBe("#/components/schemas/ArErrors");
    expect(document.paths["/api/jwt/login"]!.post!.security).toEqual([]);
    expect(document.paths["/hooks/{hookId}"]!.post!.security).toEqual([]);
  });

  it("documents every body a hook accepts: JSON, CloudEvents (single and batch) and GitHub's form encoding", async () => {
    const document = await tenantDoc();
    const receive = document.paths["/hooks/{hookId}"]!.post as unknown as { requestBody: { required: boolean; content: Record<string, { schema: { type: string } }> } };
    expect(receive.requestBody.required).toBe(true);
    expect(Object.keys(receive.requestBody.content).sort()).toEqual(
      ["application/cloudevents+json", "application/cloudevents-batch+json", "application/json", "application/x-www-form-urlencoded"].sort(),
    );
    expect(receive.requestBody.content["application/cloudevents-batch+json"]!.schema.type).toBe("array");
    expect(receive.requestBody.content["application/x-www-form-urlencoded"]!.schema).toMatchObject({ required: ["payload"] });
  });

  it("the admin document uses the bearer admin token", async () => {
    const document = await adminDoc();
    expect(document.security).toEqual([{ adminToken: [] }]);
    expect(document.components.securitySchemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("serves the documents and the reference without credentials, on a tenant host too", async () => {
    const tenant = await createTenant("docs");
    for (const path of DOC_PATHS) {
      const response = await SELF.fetch(tenantUrl(tenant.slug, path));
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    // An unknown tenant's host still gets the documents: no tenant is resolved for them.
    expect((await SELF.fetch(tenantUrl("no-such-tenant-here", "/openapi.json"))).status).toBe(200);
  });

  it("GET /docs answers an HTML page that loads both documents", async () => {
    const response = await SELF.fetch(`http://${BASE_DOMAIN}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("/openapi.json");
    expect(html).toContain("/admin/openapi.json");
    // The browser loads the pinned bundle; the Worker fetches nothing to answer.
    expect(html).toContain(`src="${SCALAR_CDN}"`);
  });
});
