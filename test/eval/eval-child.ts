/** `atlas …` in a separate process (for the crash test): `node --import tsx eval-child.ts <args>`. */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
