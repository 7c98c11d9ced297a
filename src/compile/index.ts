export { compile } from "./compile.js";
export { shortHash } from "./names.js";
export type * from "./plan.js";
