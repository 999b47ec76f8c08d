/** `--bidi`: right-to-left text (Arabic-script Darija) for terminals that cannot lay it out. See docs/bidi.md. */
export { BidiLineWriter, type TextSink } from "./bidi-line-writer.js";
export { parseBidiMode, resolveBidi, terminalNeedsBidi, type BidiMode } from "./resolve-bidi.js";
export { shapeArabic } from "./shape-arabic.js";
export { visualLine } from "./visual-line.js";
