export { runCni, main, type CniIo } from "./main.js";
export { CniError, CNI_CODES } from "./errors.js";
export { hostVethName } from "./veth.js";
export { SUPPORTED_VERSIONS } from "./versions.js";
export { parseConfig, type NetConfig } from "./config.js";
export { nodesBehind, ALIVE_MS, type NodeRow } from "./server.js";
