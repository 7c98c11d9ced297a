// Every verb of the CLI, in the order `moat --help` lists them. One line per command file.
import type { RegisterCommand } from "../context.js";
import { registerAgent } from "./agent.js";
import { registerCheck } from "./check.js";
import { registerCompile } from "./compile.js";
import { registerDataplane } from "./dataplane.js";
import { registerDemo } from "./demo.js";
import { registerExplain } from "./explain.js";
import { registerExport } from "./export.js";
import { registerImport } from "./import.js";
import { registerLab } from "./lab.js";
import { registerLint } from "./lint.js";
import { registerLogs } from "./logs.js";
import { registerMatrix } from "./matrix.js";
import { registerPolicy } from "./policy.js";
import { registerResources } from "./resources.js";
import { registerServer } from "./server.js";
import { registerValidate } from "./validate.js";
import { registerVerify } from "./verify.js";

export const COMMANDS: RegisterCommand[] = [
  registerValidate,
  registerCheck,
  registerMatrix,
  registerCompile,
  registerDataplane,
  registerExport,
  registerImport,
  registerPolicy,
  registerLint,
  registerVerify,
  registerExplain,
  registerLogs,
  registerResources,
  registerServer,
  registerAgent,
  registerLab,
  registerDemo,
];
