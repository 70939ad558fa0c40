export * from "./tenants";
export * from "./credentials";
export * from "./records";
export * from "./inbound-requests";
