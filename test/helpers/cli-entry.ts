/** `bin/atlas.js` from the sources, for tests that need a real process (signals, broken stdio). */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
