export { importRancher, type RancherInput } from "./import.js";
export { STACK_LABEL, SERVICE_LABEL } from "./labels.js";
export { DEFAULT_SUBNET } from "./network.js";
