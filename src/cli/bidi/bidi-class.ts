/**
 * Bidi_Class of a code point (UAX #9, table 4), without shipping the 1,500-range Unicode table: the
 * General_Category that JavaScript regexes already know gives the class of most characters, the
 * right-to-left blocks default to R or AL (DerivedBidiClass.txt's @missing lines), and a short list
 * of exceptions covers every assigned character (Unicode 14, the version checked) where that rule is
 * wrong. Characters assigned later fall back to the rule, which is right for almost all of them.
 */

/** A bidirectional character type. */
export type BidiClass =
  | "L"
  | "R"
  | "AL"
  | "EN"
  | "ES"
  | "ET"
  | "AN"
  | "CS"
  | "NSM"
  | "BN"
  | "B"
  | "S"
  | "WS"
  | "ON"
  | "LRE"
  | "LRO"
  | "RLE"
  | "RLO"
  | "PDF"
  | "LRI"
  | "RLI"
  | "FSI"
  | "PDI";

const CLASS_NAMES: ReadonlySet<string> = new Set(
  "L R AL EN ES ET AN CS NSM BN B S WS ON LRE LRO RLE RLO PDF LRI RLI FSI PDI".split(" "),
);

function isBidiClass(name: string): name is BidiClass {
  return CLASS_NAMES.has(name);
}

/**
 * `START[-END] CLASS` (hex), sorted: where the class differs from what `ruleClass` derives. Generated
 * by comparing the rule with Python's unicodedata.bidirectional over every assigned code point.
 */
const EXCEPTIONS = `
9 S A B B S C WS D B 1C-1E B 1F S 23 ET 25 ET 2B ES 2C CS 2D ES 2E-2F CS 30-39 EN 3A CS 85 B A0 CS
B0-B1 ET B2-B3 EN B9 EN BC-BE ON 2B9-2BA ON 2C6-2CF ON 2EC ON 374 ON 482 L 55A-55F L 589 L
600-605 AN 606-607 ON 609-60A ET 60C CS 60E-60F ON 660-669 AN 66A ET 66B-66C AN 6DD AN 6DE ON 6E9 ON
6F0-6F9 EN 7F6-7F9 ON 890-891 AN 8E2 AN 964-965 L 970 L 9FA L 9FD L A76 L AF0 L B70 L C77 L
C78-C7E ON C7F L C84 L CBF L CC6 L D4F L D79 L DF4 L E4F L E5A-E5B L F01-F17 L F1A-F1F L F34 L F36 L
F38 L F85 L FBE-FC5 L FC7-FDA L 104A-104F L 109E-109F L 10FB L 1360-1368 L 166D-166E L 16EB-16ED L
1735-1736 L 17D4-17D6 L 17D8-17DA L 17F0-17F9 ON 1A1E-1A1F L 1AA0-1AA6 L 1AA8-1AAD L 1B5A-1B6A L
1B74-1B7E L 1BFC-1BFF L 1C3B-1C3F L 1C7E-1C7F L 1CC0-1CC7 L 1CD3 L 200E L 200F R 202A LRE 202B RLE
202C PDF 202D LRO 202E RLO 202F CS 2030-2034 ET 2044 CS 2066 LRI 2067 RLI 2068 FSI 2069 PDI 2070 EN
2074-2079 EN 207A-207B ES 2080-2089 EN 208A-208B ES 212E ET 214F L 2150-215F ON 2189 ON 2212 ES
2213 ET 2336-237A L 2395 L 2460-2487 ON 2488-249B EN 249C-24E9 L 24EA-24FF ON 26AC L 2776-2793 ON
2800-28FF L 2CFD ON 2D70 L 2E2F ON 3190-3191 L 3196-319F L 3200-321C L 322A-3247 L 3251-325F ON
3260-327B L 327F L 328A-32B0 L 32B1-32BF ON 32C0-32CB L 32D0-3376 L 337B-33DD L 33E0-33FE L
A4FE-A4FF L A67F ON A6F2-A6F7 L A717-A71F ON A788 ON A789-A78A L A836-A837 L A839 ET A8CE-A8CF L
A8F8-A8FA L A8FC L A92E-A92F L A95F L A9C1-A9CD L A9DE-A9DF L AA5C-AA5F L AA77-AA79 L AADE-AADF L
AAF0-AAF1 L AB5B L ABEB L FB29 ES FD3E-FD4F ON FDCF ON FDFD-FDFF ON FE50 CS FE52 CS FE55 CS FE5F ET
FE62-FE63 ES FE6A ET FEFF BN FF03 ET FF05 ET FF0B ES FF0C CS FF0D ES FF0E-FF0F CS FF10-FF19 EN
FF1A CS FFF9-FFFB ON 10100 L 10102 L 10137-1013F L 10140-10178 ON 1018A-1018B ON 1018D-1018E L
101D0-101FC L 102E1-102FB EN 1039F L 103D0 L 1056F L 1091F ON 10B39-10B3F ON 10D30-10D39 AN
10E60-10E7E AN 11047-1104D L 11052-11065 ON 110BB-110C1 L 110CD L 11140-11143 L 11174-11175 L
111C5-111C8 L 111CD L 111DB L 111DD-111DF L 11238-1123D L 112A9 L 1144B-1144F L 1145A-1145D L
114C6 L 115C1-115D7 L 11641-11643 L 116B9 L 1173C-1173F L 1183B L 11944-11946 L 119E2 L
11A07-11A08 L 11A3F-11A46 L 11A9A-11A9C L 11A9E-11AA2 L 11C3F L 11C41-11C45 L 11C70-11C71 L
11EF7-11EF8 L 11FFF L 12470-12474 L 12FF1-12FF2 L 13430-13438 L 16A6E-16A6F L 16AF5 L 16B37-16B3F L
16B44-16B45 L 16E97-16E9A L 1BC9C L 1BC9F L 1CF50-1CFC3 L 1D000-1D0F5 L 1D100-1D164 L 1D16A-1D16C L
1D183-1D184 L 1D18C-1D1A9 L 1D1AE-1D1E8 L 1D6C1 L 1D6FB L 1D735 L 1D76F L 1D7A9 L 1D7CE-1D7FF EN
1D800-1D9FF L 1DA37-1DA3A L 1DA6D-1DA74 L 1DA76-1DA83 L 1DA85-1DA8B L 1E14F L 1EEF0-1EEF1 ON
1F100-1F10A EN 1F10B-1F10C ON 1F110-1F12E L 1F130-1F169 L 1F170-1F1AC L 1F1E6-1F202 L 1F210-1F251 L
1FBF0-1FBF9 EN
`;

/** Blocks whose unassigned and unlisted code points default to a class other than L. */
const DEFAULT_RANGES: readonly (readonly [number, number, BidiClass])[] = [
  [0x0590, 0x05ff, "R"],
  [0x0600, 0x07bf, "AL"],
  [0x07c0, 0x085f, "R"],
  [0x0860, 0x08ff, "AL"],
  [0x20a0, 0x20cf, "ET"],
  [0xfb1d, 0xfb4f, "R"],
  [0xfb50, 0xfdcf, "AL"],
  [0xfdd0, 0xfdef, "BN"],
  [0xfdf0, 0xfdff, "AL"],
  [0xfe70, 0xfeff, "AL"],
  [0x10800, 0x10cff, "R"],
  [0x10d00, 0x10d3f, "AL"],
  [0x10d40, 0x10ebf, "R"],
  [0x10ec0, 0x10eff, "AL"],
  [0x10f00, 0x10f2f, "R"],
  [0x10f30, 0x10f6f, "AL"],
  [0x10f70, 0x10fff, "R"],
  [0x1e800, 0x1ec6f, "R"],
  [0x1ec70, 0x1ecbf, "AL"],
  [0x1ecc0, 0x1ecff, "R"],
  [0x1ed00, 0x1ed4f, "AL"],
  [0x1ed50, 0x1edff, "R"],
  [0x1ee00, 0x1eeff, "AL"],
  [0x1ef00, 0x1efff, "R"],
  [0xe0000, 0xe0fff, "BN"],
];

interface ClassRange {
  start: number;
  end: number;
  cls: BidiClass;
}

function parseExceptions(table: string): ClassRange[] {
  const ranges: ClassRange[] = [];
  const tokens = table.trim().split(/\s+/);
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const [first = "", last = first] = (tokens[i] ?? "").split("-");
    const cls = tokens[i + 1] ?? "";
    if (!isBidiClass(cls)) throw new Error(`bidi-class: bad class '${cls}' in the exception table`);
    ranges.push({ start: Number.parseInt(first, 16), end: Number.parseInt(last, 16), cls });
  }
  return ranges;
}

const EXCEPTION_RANGES = parseExceptions(EXCEPTIONS);

function findRange(ranges: readonly ClassRange[], cp: number): BidiClass | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid];
    if (range === undefined) return undefined;
    if (cp < range.start) hi = mid - 1;
    else if (cp > range.end) lo = mid + 1;
    else return range.cls;
  }
  return undefined;
}

const MARK = /^[\p{Mn}\p{Me}]$/u;
const SPACE = /^[\p{Zs}\p{Zl}]$/u;
const PARAGRAPH = /^\p{Zp}$/u;
const CONTROL = /^[\p{Cc}\p{Cf}]$/u;
const CURRENCY = /^\p{Sc}$/u;
const NEUTRAL = /^[\p{P}\p{S}]$/u;

function ruleClass(cp: number): BidiClass {
  const ch = String.fromCodePoint(cp);
  if (MARK.test(ch)) return "NSM";
  for (const [start, end, cls] of DEFAULT_RANGES) if (cp >= start && cp <= end) return cls;
  // Noncharacters and unassigned default-ignorables are boundary neutrals, not letters.
  if ((cp & 0xfffe) === 0xfffe || (cp >= 0x2060 && cp <= 0x206f) || (cp >= 0xfff0 && cp <= 0xfff8))
    return "BN";
  if (SPACE.test(ch)) return "WS";
  if (PARAGRAPH.test(ch)) return "B";
  if (CONTROL.test(ch)) return "BN";
  if (CURRENCY.test(ch)) return "ET";
  if (NEUTRAL.test(ch)) return "ON";
  return "L";
}

function computeClass(cp: number): BidiClass {
  return findRange(EXCEPTION_RANGES, cp) ?? ruleClass(cp);
}

// ASCII dominates terminal text: a flat table keeps it off the regex path.
const ASCII: readonly BidiClass[] = Array.from({ length: 128 }, (_, cp) => computeClass(cp));
// Regex tests are slow enough to matter on long model outputs; a code point's class never changes.
const cache = new Map<number, BidiClass>();

/** The Bidi_Class of one code point. */
export function bidiClass(cp: number): BidiClass {
  const ascii = ASCII[cp];
  if (ascii !== undefined) return ascii;
  let cls = cache.get(cp);
  if (cls === undefined) {
    cls = computeClass(cp);
    cache.set(cp, cls);
  }
  return cls;
}
