/**
 * Arabic shaping for terminals that do not shape: each letter is replaced by its contextual
 * presentation form (isolated, final, initial, medial) so that it is drawn joined to its neighbours,
 * and lam + alef becomes the obligatory ligature. Works on logical order, before any reordering.
 */
import { isArabicJoiner, joiningType, type JoiningType } from "./joining-type.js";

/**
 * `LETTER=FIRST+N` (forms FIRST, FIRST+1, … in the order isolated, final, initial, medial) or
 * `LETTER=ISO,FIN,INI,MED`, all hex, from the <isolated>/<final>/<initial>/<medial> compatibility
 * decompositions of U+FB50–U+FDFF and U+FE70–U+FEFF.
 */
const PRESENTATION_FORMS = `
621=FE80+1 622=FE81+2 623=FE83+2 624=FE85+2 625=FE87+2 626=FE89+4 627=FE8D+2 628=FE8F+4 629=FE93+2
62A=FE95+4 62B=FE99+4 62C=FE9D+4 62D=FEA1+4 62E=FEA5+4 62F=FEA9+2 630=FEAB+2 631=FEAD+2 632=FEAF+2
633=FEB1+4 634=FEB5+4 635=FEB9+4 636=FEBD+4 637=FEC1+4 638=FEC5+4 639=FEC9+4 63A=FECD+4 641=FED1+4
642=FED5+4 643=FED9+4 644=FEDD+4 645=FEE1+4 646=FEE5+4 647=FEE9+4 648=FEED+2 649=FEEF,FEF0,FBE8,FBE9
64A=FEF1+4 671=FB50+2 677=FBDD+1 679=FB66+4 67A=FB5E+4 67B=FB52+4 67E=FB56+4 67F=FB62+4 680=FB5A+4
683=FB76+4 684=FB72+4 686=FB7A+4 687=FB7E+4 688=FB88+2 68C=FB84+2 68D=FB82+2 68E=FB86+2 691=FB8C+2
698=FB8A+2 6A4=FB6A+4 6A6=FB6E+4 6A9=FB8E+4 6AD=FBD3+4 6AF=FB92+4 6B1=FB9A+4 6B3=FB96+4 6BA=FB9E+2
6BB=FBA0+4 6BE=FBAA+4 6C0=FBA4+2 6C1=FBA6+4 6C5=FBE0+2 6C6=FBD9+2 6C7=FBD7+2 6C8=FBDB+2 6C9=FBE2+2
6CB=FBDE+2 6CC=FBFC+4 6D0=FBE4+4 6D2=FBAE+2 6D3=FBB0+2
`;

/** Presentation forms by position; a letter may lack some (alef has no initial form). */
type Forms = readonly [
  isolated: number | undefined,
  final: number | undefined,
  initial: number | undefined,
  medial: number | undefined,
];

function parseForms(table: string): Map<number, Forms> {
  const forms = new Map<number, Forms>();
  for (const token of table.trim().split(/\s+/)) {
    const [letter = "", spec = ""] = token.split("=");
    const [first = "", count] = spec.split("+");
    const list =
      count === undefined
        ? spec.split(",").map((hex) => Number.parseInt(hex, 16))
        : Array.from({ length: Number(count) }, (_, i) => Number.parseInt(first, 16) + i);
    forms.set(Number.parseInt(letter, 16), [list[0], list[1], list[2], list[3]]);
  }
  return forms;
}

const FORMS = parseForms(PRESENTATION_FORMS);

const LAM = 0x0644;
/** Alef (with madda, hamza above, hamza below, plain) → [isolated, final] lam-alef ligature. */
const LAM_ALEF = new Map<number, readonly [number, number]>([
  [0x0622, [0xfef5, 0xfef6]],
  [0x0623, [0xfef7, 0xfef8]],
  [0x0625, [0xfef9, 0xfefa]],
  [0x0627, [0xfefb, 0xfefc]],
]);
const ZWNJ = 0x200c;
const ZWJ = 0x200d;

/** Shaped code points, with `source[k]` = the input index the k-th output code point came from. */
export interface ShapedText {
  cps: number[];
  source: number[];
}

const joinsForward = (t: JoiningType | undefined): boolean => t === "D" || t === "C";
const joinsBackward = (t: JoiningType | undefined): boolean => t === "D" || t === "R" || t === "C";

/** Picks the contextual form, falling back to the closest one a letter has (e.g. medial → final). */
function pickForm(forms: Forms, joinsPrevious: boolean, joinsNext: boolean): number | undefined {
  const [isolated, final, initial, medial] = forms;
  if (joinsPrevious && joinsNext) return medial ?? final ?? isolated;
  if (joinsPrevious) return final ?? isolated;
  if (joinsNext) return initial ?? isolated;
  return isolated;
}

/** Shapes code points (see `shapeArabic`), keeping track of where each output came from. */
export function shapeCodePoints(cps: readonly number[]): ShapedText {
  const types = cps.map(joiningType);
  // Nearest non-transparent neighbour on each side: marks between letters do not break joining.
  const previous = new Int32Array(cps.length).fill(-1);
  const next = new Int32Array(cps.length).fill(-1);
  for (let i = 0, last = -1; i < cps.length; i++) {
    previous[i] = last;
    if (types[i] !== "T") last = i;
  }
  for (let i = cps.length - 1, last = -1; i >= 0; i--) {
    next[i] = last;
    if (types[i] !== "T") last = i;
  }

  const out: ShapedText = { cps: [], source: [] };
  const emit = (cp: number, from: number): void => {
    out.cps.push(cp);
    out.source.push(from);
  };
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i] ?? 0;
    const p = previous[i] ?? -1;
    const n = next[i] ?? -1;
    const joinsPrevious = joinsBackward(types[i]) && p >= 0 && joinsForward(types[p]);
    const joinsNext = joinsForward(types[i]) && n >= 0 && joinsBackward(types[n]);

    if (cp === ZWJ || cp === ZWNJ) {
      // Their work is done once the neighbours are shaped, and many terminals draw them as a blank
      // cell; but ZWJ also glues emoji sequences, so only those next to Arabic letters go.
      const arabic = (p >= 0 && isArabicJoiner(cps[p] ?? 0)) || (n >= 0 && isArabicJoiner(cps[n] ?? 0));
      if (!arabic) emit(cp, i);
      continue;
    }

    const ligature = cp === LAM && n >= 0 ? LAM_ALEF.get(cps[n] ?? 0) : undefined;
    if (ligature !== undefined) {
      emit(joinsPrevious ? ligature[1] : ligature[0], i);
      // Marks between lam and alef (a fatha on the lam) stay, after the ligature that now carries them.
      for (let k = i + 1; k < n; k++) emit(cps[k] ?? 0, k);
      i = n;
      continue;
    }

    const forms = FORMS.get(cp);
    emit(forms === undefined ? cp : (pickForm(forms, joinsPrevious, joinsNext) ?? cp), i);
  }
  return out;
}

/**
 * Replaces Arabic letters by their contextual presentation forms (U+FE70–U+FEFF, U+FB50–U+FDFF) and
 * lam + alef by the ligatures ﻻ ﻷ ﻹ ﻵ. Harakat are transparent, tatweel and ZWJ join, ZWNJ breaks;
 * ZWJ/ZWNJ next to Arabic letters are dropped once used. Other text is left alone. Expects logical
 * (typed) order.
 */
export function shapeArabic(text: string): string {
  const cps = Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
  return shapeCodePoints(cps)
    .cps.map((cp) => String.fromCodePoint(cp))
    .join("");
}
