/** Vendor-side requests to the gateway, made the way curl would (path form /t/{tenant}: Node's fetch cannot set Host). */
export async function createTicket(origin: string, apiKey: string, title: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${origin}/t/acme/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket`, {
    method: "POST",
    headers: { authorization: apiKey, "content-type": "application/json" },
    body: JSON.stringify({ requester_email: "john.doe@optimalidm.com", title, description: "Created by the browser tests" }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
