/**
 * Build of the web chat: `npm run build` runs `vite build --config web/vite.config.ts`, writing the page
 * to dist/web (served by `atlas serve` at `/`). Preact's JSX through Vite's own transform (no plugin).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Fonts stay files (never inlined as data: URLs): the CSP allows fonts from 'self'.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
