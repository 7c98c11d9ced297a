export { buildServer, type ServerOptions } from "./app.js";
export { runServer, parseListen, type ServerCommandOptions } from "./listen.js";
export { TokenTable, newToken, ROLES, type Role, type Principal } from "./tokens.js";
export { STATUS_FOR } from "./http-errors.js";
export type { NodeRow } from "./nodes.js";
