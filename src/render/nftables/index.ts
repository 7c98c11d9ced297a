import type { Plan } from "../../compile/index.js";
import type { Backend } from "../backend.js";
import { escapeNft } from "./escape.js";
import { renderTableText } from "./table.js";

export { escapeNft, nftString } from "./escape.js";
export * from "./table.js";

export const nftablesBackend: Backend = {
  name: "nftables",
  escape: escapeNft,
  renderText: (plan: Plan) => `# nft -f\n${renderTableText(plan)}`,
};
export * from "./update.js";
