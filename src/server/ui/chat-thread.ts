/**
 * A conversation's tree → the path shown: from the first question down, at each point the sibling
 * selected last (the highest `selected`), with the siblings listed oldest first for flipping through.
 */

/** A stored message row. */
export interface NodeRow {
  id: string;
  parent_id: string | null;
  role: "user" | "assistant";
  content: string;
  model: string | null;
  stats: string | null;
  created_at: number;
  selected: number;
}

/** One step of the shown path. */
export interface ThreadStep {
  row: NodeRow;
  siblings: string[];
  siblingIndex: number;
}

/** The shown path of a tree whose rows come oldest first. */
export function buildThread(rows: readonly NodeRow[]): ThreadStep[] {
  const children = new Map<string | null, NodeRow[]>();
  for (const row of rows) {
    const list = children.get(row.parent_id);
    if (list === undefined) children.set(row.parent_id, [row]);
    else list.push(row);
  }
  const thread: ThreadStep[] = [];
  let parent: string | null = null;
  // A tree has no cycles (ids are new and parents exist first), but a corrupted file must not hang us.
  for (let depth = 0; depth <= rows.length; depth++) {
    const siblings = children.get(parent);
    if (siblings === undefined) break;
    let shown = siblings[0]!;
    for (const s of siblings) if (s.selected > shown.selected) shown = s;
    thread.push({ row: shown, siblings: siblings.map((s) => s.id), siblingIndex: siblings.indexOf(shown) });
    parent = shown.id;
  }
  return thread;
}
