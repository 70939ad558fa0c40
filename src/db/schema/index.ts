export * from "./tenants";
export * from "./credentials";
export * from "./records";
export * from "./inbound-requests";
export * from "./external-keys";
export * from "./provisioning-destinations";
export * from "./revoked-tokens";
export * from "./subscriptions";
