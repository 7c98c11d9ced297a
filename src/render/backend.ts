// What every backend offers: its name, its one escaping function, and the text that installs a Plan.
// Each backend's own module (iptables/, nftables/) adds what its executor in src/dataplane needs.
import type { Plan } from "../compile/index.js";

export type BackendName = "iptables" | "nftables";
export const BACKENDS: readonly BackendName[] = ["iptables", "nftables"];

export interface Backend {
  readonly name: BackendName;
  /** The one door from user text (names, comments, log prefixes) to this backend's rule text. */
  escape(text: string, max: number): string;
  /** The whole text that installs the Plan into an empty kernel, as the backend's tools read it. */
  renderText(plan: Plan, rulesHash: string): string;
}
