/**
 * Bounded, linear-time YAML reading for files people hand to `slo` (contracts, OpenSLO documents).
 *
 * A contract is a few kilobytes. Whatever a file holds, reading it must end quickly with a one-line message:
 * - size: text above MAX_INPUT_BYTES is refused before parsing;
 * - depth: more than MAX_NESTING_DEPTH mappings/lists inside each other is refused after tokenising and
 *   before composing (yaml's composer recurses once per level, so 5,000 brackets would overflow the stack);
 * - aliases: more than MAX_ANCHORS_AND_ALIASES anchors (&a) and aliases (*a) are refused (yaml resolves each
 *   alias by a scan over the earlier ones, so their number must be bounded), and expanding aliases into more
 *   than MAX_ALIAS_EXPANSION nodes from one anchor is refused (a "billion laughs" alias bomb);
 * - time: every step is linear in the file. yaml's own duplicate-key check compares each key with every
 *   earlier key of its mapping (quadratic: 40,000 keys took ~10 s), so it is switched off and done here with
 *   one Set per mapping; locating an issue's line uses a per-mapping key index built once, not a scan per issue.
 *
 * Work is counted (WorkMeter) in units of tokens, nodes and lookups so tests can check linear growth by a
 * deterministic measure instead of wall time. Pure apart from the yaml library: no fs, no clock.
 */
import { Composer, CST, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from 'yaml';

/** Files above this many bytes (1 MiB) are refused before parsing. A contract is usually under 10 KB. */
export const MAX_INPUT_BYTES = 1_048_576;
/** Mappings and lists nested deeper than this are refused. A contract needs 8 levels. */
export const MAX_NESTING_DEPTH = 64;
/** Anchors (&name) plus aliases (*name) in one file. A contract that reuses dimensions needs a handful. */
export const MAX_ANCHORS_AND_ALIASES = 1_000;
/** Nodes one anchor may expand to through aliases (yaml's maxAliasCount); beyond it, an alias bomb. */
export const MAX_ALIAS_EXPANSION = 100;

/** Counts units of work (tokens walked, nodes visited, index entries, lookup steps). */
export interface WorkMeter {
  add(units: number): void;
}

const NO_METER: WorkMeter = { add: () => undefined };

/** One problem with the file as a whole (no path inside it); `line` when known. */
export interface YamlProblem {
  message: string;
  line?: number;
}

export interface BoundedYaml {
  /** Composed documents (empty when a bound was hit). */
  docs: Document.Parsed[];
  /** Line and column of an offset in the text. */
  at(offset: number | undefined): { line: number; col: number } | undefined;
  /** Problems found by the bounds and the duplicate-key check; when non-empty, `docs` must not be trusted. */
  problems: YamlProblem[];
}

/** `1.3 MB (1,363,148 bytes)`. */
export function describeSize(bytes: number): string {
  return `${(bytes / MAX_INPUT_BYTES).toFixed(1)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** The refusal for a file over MAX_INPUT_BYTES; `what` names the kind of file ("a contract file"). */
export function tooLargeMessage(bytes: number, what: string): string {
  return `is ${describeSize(bytes)}, above the 1 MB limit for ${what}: a contract is a few kilobytes; split the file or remove generated content`;
}

/**
 * Tokenises, checks the bounds and composes `text`. Never throws on content. `what` names the kind of file
 * in messages ("a contract file").
 */
export function parseYamlBounded(text: string, what: string, meter: WorkMeter = NO_METER): BoundedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset));
  const refuse = (message: string, offset?: number): BoundedYaml => {
    const pos = at(offset);
    return { docs: [], at, problems: [{ message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${message}`, ...(pos ? { line: pos.line } : {}) }] };
  };

  // UTF-16 length is a lower bound of the UTF-8 size; the exact count only when it could matter.
  if (text.length > MAX_INPUT_BYTES / 4 && Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
    return refuse(tooLargeMessage(Buffer.byteLength(text, 'utf8'), what));
  }

  // The lexer and parser keep their own stacks (no recursion per level), so deep input is safe here.
  const tokens: CST.Token[] = [];
  for (const token of new Parser(lineCounter.addNewLine).parse(text)) tokens.push(token);

  const shape = measureCst(tokens, meter);
  if (shape.tooDeepAt !== undefined) {
    return refuse(
      `mappings and lists are nested more than ${MAX_NESTING_DEPTH} levels deep (a contract needs about 8): this is not a contract; check for runaway brackets or generated content`,
      shape.tooDeepAt,
    );
  }
  if (shape.anchorsAndAliases > MAX_ANCHORS_AND_ALIASES) {
    return refuse(
      `${shape.anchorsAndAliases.toLocaleString('en-US')} YAML anchors (&name) and aliases (*name), more than the ${MAX_ANCHORS_AND_ALIASES.toLocaleString('en-US')} allowed: write the values out instead`,
    );
  }

  // uniqueKeys off: yaml's check is quadratic per mapping; duplicateKeys() below does it in linear time.
  const composer = new Composer({ uniqueKeys: false, logLevel: 'error' });
  const docs = Array.from(composer.compose(tokens));
  const problems: YamlProblem[] = [];
  for (const doc of docs) {
    for (const offset of duplicateKeyOffsets(doc, meter)) {
      const pos = at(offset);
      problems.push({ message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}Map keys must be unique`, ...(pos ? { line: pos.line } : {}) });
    }
  }
  return { docs, at, problems };
}

/**
 * Converts a document to plain data with the alias bounds, or says why it cannot be: an alias bomb, an alias
 * used before its anchor.
 */
export function toDataBounded(doc: Document.Parsed): { data: unknown } | { message: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) as unknown };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/excessive alias count/i.test(text)) {
      return {
        message: `aliases (*name) expand into more than ${MAX_ALIAS_EXPANSION} nodes from one anchor: refused as a YAML alias bomb; write the values out instead`,
      };
    }
    if (/unresolved alias/i.test(text)) return { message: `an alias (*name) is used before its anchor (&name) is set: ${text}` };
    return { message: `cannot be read as data: ${text}` };
  }
}

interface CstShape {
  /** Offset of the first collection nested deeper than MAX_NESTING_DEPTH. */
  tooDeepAt?: number;
  anchorsAndAliases: number;
}

/** One iterative pass over the CST: nesting depth of collections and the number of anchors and aliases. */
function measureCst(tokens: CST.Token[], meter: WorkMeter): CstShape {
  let anchorsAndAliases = 0;
  const countSources = (list: readonly CST.Token[] | undefined) => {
    if (!list) return;
    meter.add(list.length);
    for (const t of list) if (t.type === 'anchor') anchorsAndAliases++;
  };
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token; depth: number };
    meter.add(1);
    switch (token.type) {
      case 'document':
        countSources(token.start);
        countSources(token.end);
        if (token.value) stack.push({ token: token.value, depth });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        const inner = depth + 1;
        if (inner > MAX_NESTING_DEPTH) return { tooDeepAt: token.offset, anchorsAndAliases };
        if (token.type === 'flow-collection') countSources(token.end);
        for (const item of token.items as CST.CollectionItem[]) {
          countSources(item.start);
          countSources(item.sep);
          if (item.key) stack.push({ token: item.key, depth: inner });
          if (item.value) stack.push({ token: item.value, depth: inner });
        }
        break;
      }
      case 'block-scalar':
        countSources(token.props);
        break;
      case 'alias':
        anchorsAndAliases++;
        countSources(token.end);
        break;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
        countSources(token.end);
        break;
      default:
        break;
    }
  }
  return { anchorsAndAliases };
}

/**
 * Offsets of keys that repeat an earlier key of the same mapping, compared as yaml's default check does
 * (scalars by value; other keys are never equal). One Set per mapping, each node visited once.
 */
function duplicateKeyOffsets(doc: Document.Parsed, meter: WorkMeter): number[] {
  const out: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    meter.add(1);
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        meter.add(1);
        if (isScalar(pair.key)) {
          const id = pair.key.value;
          if (seen.has(id)) {
            const range = (pair.key as Node).range;
            if (range) out.push(range[0]);
          } else {
            seen.add(id);
          }
        }
        if (pair.key && !isScalar(pair.key)) stack.push(pair.key);
        if (pair.value) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isPair(node)) {
      stack.push(node.key, node.value);
    }
  }
  return out.sort((a, b) => a - b);
}

type Segment = string | number;

/**
 * Finds the node at a data path (`['spec', 'objectives', 1, 'target']`) in a composed document. Each mapping's
 * keys are indexed on first use, so n lookups cost O(n x depth + size of the document), not O(n x size).
 */
export class NodeLocator {
  private readonly index = new Map<object, Map<string, unknown>>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly meter: WorkMeter = NO_METER,
  ) {}

  /** The value node at `segments`, or undefined when the path leaves the document. */
  nodeAt(segments: readonly Segment[]): unknown {
    let node: unknown = this.doc.contents;
    for (const segment of segments) {
      this.meter.add(1);
      if (isMap(node)) {
        node = this.keysOf(node).get(String(segment));
      } else if (isSeq(node)) {
        node = typeof segment === 'number' ? node.items[segment] : undefined;
      } else {
        return undefined;
      }
      if (node === undefined || node === null) return undefined;
    }
    return node;
  }

  /** The 1-based line of the deepest node that exists along `segments` (the parent for a missing key). */
  lineOf(segments: readonly Segment[], at: (offset: number | undefined) => { line: number } | undefined): number | undefined {
    for (let n = segments.length; n >= 0; n--) {
      const node = this.nodeAt(segments.slice(0, n));
      const range = node && typeof node === 'object' && 'range' in node ? (node as { range?: [number, number, number] | null }).range : undefined;
      if (range) return at(range[0])?.line;
    }
    return undefined;
  }

  private keysOf(map: object & { items: unknown[] }): Map<string, unknown> {
    let keys = this.index.get(map);
    if (!keys) {
      keys = new Map();
      for (const pair of map.items) {
        this.meter.add(1);
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (!keys.has(key)) keys.set(key, pair.value);
      }
      this.index.set(map, keys);
    }
    return keys;
  }
}
