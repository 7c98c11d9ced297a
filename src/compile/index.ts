export { compile } from "./compile.js";
export { L4 } from "./rules.js";
export { shortHash } from "./names.js";
export type * from "./plan.js";
export { memberText } from "./sets.js";
export { identities, identitiesOf, identityKey, IDENTITY_MASK, OVERLAY_DEVICE } from "./identity.js";
export { LOG_PREFIX_MAX, logPrefix } from "./log.js";
