// Generates test-browser/generated/hookgate-api.ts, the TypeScript types of the tenant API, from the document a
// running gateway serves (openapi-typescript). test-browser/openapi-clients.test.ts calls the gateway through them
// and fails when the committed file is stale. Usage: node scripts/openapi-types.mjs http://127.0.0.1:8787
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

export const API_TYPES_PATH = fileURLToPath(new URL("../test-browser/generated/hookgate-api.ts", import.meta.url));
export const REGENERATE_COMMAND = "npm run dev, then: node scripts/openapi-types.mjs http://127.0.0.1:8787";

const HEADER = `// Generated from the tenant API's /openapi.json by scripts/openapi-types.mjs (openapi-typescript); do not edit.
// Regenerate: ${REGENERATE_COMMAND}
`;

/** The types file for an OpenAPI document, exactly as the script writes it. */
export async function apiTypesSource(document) {
  return HEADER + astToString(await openapiTS(structuredClone(document)));
}

async function main(gatewayUrl) {
  if (!gatewayUrl) throw new Error("usage: node scripts/openapi-types.mjs <gateway URL, e.g. http://127.0.0.1:8787>");
  const response = await fetch(new URL("/openapi.json", gatewayUrl));
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  writeFileSync(API_TYPES_PATH, await apiTypesSource(await response.json()));
  console.log(`wrote ${API_TYPES_PATH}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]);
