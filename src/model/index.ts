export * from "./types.js";
export * from "./issues.js";
export * from "./ip.js";
export { parseDocuments, type SourcedDoc } from "./documents.js";
export { buildModel } from "./build.js";
export { parseSelector, printSelector, type Selector } from "./selector.js";
export { API_VERSION, KINDS as RESOURCE_SCHEMAS } from "./schema.js";
export { PSEUDO_PREFIX, labelKeyProblem, labelValueProblem, resourceNameProblem } from "./labels.js";
export { fromZod } from "./zod-issues.js";
