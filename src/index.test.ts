import { describe, expect, it } from "vitest";
import * as library from "./index.js";

describe("the library's exports", () => {
  it("include what docs/library.md documents", () => {
    for (const name of [
      "loadModel",
      "pipeline",
      "AtlasModel",
      "LlamaEngine",
      "FakeEngine",
      "convertModel",
      "inspectModel",
      "readGguf",
      "readGgufTensor",
      "pullModel",
      "listModels",
      "removeModel",
      "resolveModel",
      "downloadSnapshot",
      "renderChatTemplate",
      "translatePrompt",
      "sentimentPrompt",
      "AtlasError",
      "isAtlasError",
      "ATLAS_ERROR_CODES",
      "buildSftData",
      "readSftStats",
      "convertPeftAdapter",
      "mergeLora",
      "writeTrainConfig",
    ])
      expect(library, name).toHaveProperty(name);
  });

  it("leave internals out", () => {
    for (const name of [
      "acquireLock",
      "withLock",
      "downloadBlob",
      "writeAtomically",
      "writeFileAtomic",
      "sweepStaleTemps",
      "repoCachePaths",
      "createHubFetch",
      "runForcedExitCleanups",
      "atlasHome",
      "updateManifest",
    ])
      expect(library, name).not.toHaveProperty(name);
  });
});
