export { importCloudFoundry, DEFAULT_NETWORK, type CloudFoundryOptions } from "./import.js";
export { APP_GUID_LABEL, APP_NAME_LABEL, parseCfPort, formatPorts, type C2cPolicy, type C2cProtocol } from "./c2c.js";
export { openManifest, resolveApp, listPolicies, addPolicy, removePolicies, type C2cManifest, type RemoveMatch, type Edited } from "./manifest.js";
