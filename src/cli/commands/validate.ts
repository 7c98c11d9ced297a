import type { Model } from "../../model/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { readModel } from "../read-model.js";

export function validateSummary(model: Model, files: string[]): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  return `valid: ${n(model.networks.length, "network")}, ${n(model.workloads.length, "workload")}, ${n(model.policies.length, "policy", "policies")} in ${n(files.length, "file")}`;
}

export const registerValidate: RegisterCommand = (program, { io }) => {
  withFiles(program.command("validate").description("check manifests; print a summary, or every issue one a line")).action(
    async (opts: { filename: string[] }) => {
      const model = await readModel(io, opts.filename);
      io.out(validateSummary(model, opts.filename));
    },
  );
};
