// Type-aware lint + the layer rules of docs/architecture.md (which folder may import which).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import globals from "globals";

/** Each layer and the layers it may import (besides itself). Keep in sync with docs/architecture.md. */
const LAYERS = {
  core: [],
  config: ["core"],
  native: ["core", "config"],
  templates: ["core"],
  convert: ["core", "config", "native"],
  hub: ["core", "config"],
  store: ["core", "config", "templates", "hub", "convert"],
  engine: ["core", "config", "templates", "native"],
  api: ["core", "config", "templates", "engine", "store", "hub", "convert"],
  wire: ["core"],
  server: ["core", "config", "wire", "engine", "templates", "hub", "store", "api"],
  eval: ["core", "config", "wire", "engine", "hub", "templates", "store", "api"],
  tune: ["core", "config", "native", "templates", "convert", "hub", "store"],
};

const zones = Object.entries(LAYERS).map(([layer, allowed]) => ({
  target: `./src/${layer}`,
  from: "./src",
  except: [`./${layer}`, ...allowed.map((a) => `./${a}`)],
  message: `src/${layer} may import only ${[layer, ...allowed].join(", ")} (docs/architecture.md)`,
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "web/dist/**", "scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": ["error", { zones }],
    },
  },
  // One native boundary: koffi only in src/native (the one place that declares llama.cpp's C API and its
  // struct layouts). node-llama-cpp is not a dependency at all: we use only its prebuilt binary packages.
  ...[
    { files: ["src/**/*.ts"], ignores: ["src/native/**"], banned: ["node-llama-cpp", "koffi"] },
    { files: ["src/native/**/*.ts"], ignores: [], banned: ["node-llama-cpp"] },
  ].map(({ files, ignores, banned }) => ({
    files,
    ignores,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: banned.map((name) => ({
            name,
            message:
              name === "koffi"
                ? "only src/native may import koffi (docs/architecture.md)"
                : "node-llama-cpp is not a dependency: src/native loads its binary packages",
          })),
        },
      ],
    },
  })),
  {
    // Nothing in src imports the CLI.
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...zones,
            { target: "./src", from: "./src/cli", except: [], message: "nothing imports src/cli" },
          ],
        },
      ],
    },
  },
  {
    // The web page (web/) reaches the server over HTTP only: type imports from src/core and from the
    // /ui/api wire types, nothing that would bundle server code into the page.
    files: ["web/**/*.ts", "web/**/*.tsx"],
    languageOptions: { globals: globals.browser },
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src/**"],
              allowTypeImports: true,
              message: "web/ may only `import type` from src (docs/architecture.md)",
            },
          ],
        },
      ],
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            {
              target: "./web",
              from: "./src",
              except: ["./core", "./server/ui/ui-api-types.ts"],
              message: "web/ may import types from src/core and src/server/ui/ui-api-types.ts only",
            },
          ],
        },
      ],
    },
  },
  {
    // import-x/no-cycle crashes walking vite's own module graph; a build config has no cycles of ours.
    files: ["web/vite.config.ts"],
    rules: { "import-x/no-cycle": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
);
