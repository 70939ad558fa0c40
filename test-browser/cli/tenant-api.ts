/** The few tenant API calls the CLI tests make to set up hooks and subscriptions on the shared gateway (path form /t/acme). */
export interface TenantApi {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>;
}

export function tenantApi(origin: string, apiKey: string): TenantApi {
  return {
    async call(method, path, body) {
      const response = await fetch(`${origin}/t/acme${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined && { "content-type": "application/json" }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
    },
  };
}

/** Creates an inbound hook and returns its URL and secret (the one given, or the one Hookgate generated). */
export async function createHook(api: TenantApi, preset: string, auth?: Record<string, unknown>): Promise<{ id: string; url: string; secret: string }> {
  const created = await api.call("POST", "/api/v1/inbound-hooks", { name: `cli ${preset} ${Date.now()}`, preset, ...(auth && { auth }) });
  if (created.status !== 201) throw new Error(`creating a ${preset} hook: ${created.status} ${JSON.stringify(created.json)}`);
  const { id, url } = created.json as { id: string; url: string };
  // A secret we gave is masked in the answer ("********"); a generated one is shown there once.
  const secret = typeof auth?.secret === "string" ? auth.secret : (created.json.auth as { secret: string }).secret;
  return { id, url, secret };
}
