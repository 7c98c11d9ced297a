// The model's schemas (bundled in with the selector parser) would probe for eval once, which the page's
// CSP refuses and reports; zod without its JIT never tries. Imported first by index.ts.
import { config } from "zod";

config({ jitless: true });
