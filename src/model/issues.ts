// Issues (validation problems as data) live in the errors layer, which every layer may use and which
// loads nothing else (the CNI plugin needs them without the model's schema and zod); the model's own
// modules reach them here.
export { formatIssue, formatPath, show, type Issue, type IssuePath, type Result } from "../errors/index.js";
