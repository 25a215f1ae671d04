export * from "./errors.js";
export * from "./ids.js";
export * from "./plans.js";
export * from "./config.js";
export * from "./validation-messages.js";
export * from "./schemas/common.js";
export * from "./schemas/tenants.js";
export * from "./schemas/keys.js";
// domains (issue 3)
export * from "./schemas/domains.js";

// mailboxes (issue 4)
export * from "./schemas/mailboxes.js";

// receiving (issue 5)
export * from "./schemas/messages.js";

// sending (issue 6)
export * from "./schemas/sending.js";
