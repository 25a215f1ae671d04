export * from "./errors.js";
export * from "./ids.js";
export * from "./plans.js";
export * from "./config.js";
export * from "./validation-messages.js";
export * from "./schemas/common.js";
export * from "./schemas/tenants.js";
export * from "./schemas/keys.js";
export * from "./schemas/session.js";
// domains
export * from "./schemas/domains.js";

// mailboxes
export * from "./schemas/mailboxes.js";

// receiving
export * from "./schemas/messages.js";
export * from "./schemas/folders.js";

// sending
export * from "./schemas/sending.js";
export * from "./schemas/sent.js";

// events and webhooks
export * from "./schemas/events.js";
export * from "./schemas/webhooks.js";
