export { importKubernetes, kubernetesKind, POD_NETWORK } from "./import.js";
export { exportKubernetes, type ExportResult } from "./export.js";
