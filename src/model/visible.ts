// Control characters made visible: in the errors layer with the issues (see issues.ts).
export { hasControl, visible, visibleLines } from "../errors/index.js";
