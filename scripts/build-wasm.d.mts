/** The TypeScript module text holding the assembled bytes of one .wat source. */
export function assemble(name: string, source: string): Promise<string>;
