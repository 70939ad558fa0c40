/** One gateway for the whole browser run; test files get its address and the demo credentials via inject(). */
import type { TestProject } from "vitest/node";
import { startGateway } from "./gateway";

declare module "vitest" {
  export interface ProvidedContext {
    gateway: { port: number; origin: string; apiKey: string; serviceEmail: string; servicePassword: string; adminToken: string };
  }
}

export default async function setup(project: TestProject) {
  const gateway = await startGateway(process.cwd());
  project.provide("gateway", {
    port: gateway.port,
    origin: gateway.origin,
    apiKey: gateway.vars.DEMO_API_KEY ?? "",
    serviceEmail: gateway.vars.DEMO_SERVICE_ACCOUNT_EMAIL ?? "",
    servicePassword: gateway.vars.DEMO_SERVICE_ACCOUNT_PASSWORD ?? "",
    adminToken: gateway.vars.ADMIN_TOKEN ?? "",
  });
  return () => gateway.stop();
}
