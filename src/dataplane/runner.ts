// The runner is its own layer (src/runner): the dataplane's modules reach it here.
export * from "../runner/index.js";
