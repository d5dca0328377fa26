/**
 * Reads contract files (YAML) from disk and validates them against the contract schema.
 *
 * Every problem in every file is collected and reported as `file: path: message`, the path being the place
 * inside the file (`spec.objectives[1].target`), so one run of `slo validate` lists everything to fix.
 * Nothing a file contains can make the loader throw: unreadable files, YAML errors, wrong shapes and
 * internal surprises all become issues.
 *
 * Not part of the pure core: this module reads the file system and the clock (for review-date warnings).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { ContractSchema, type Contract } from '../core/contract.ts';
import { DAY_MS } from '../core/duration.ts';
import { MAX_INPUT_BYTES, NodeLocator, parseYamlBounded, toDataBounded, tooLargeMessage, type WorkMeter } from './yaml-input.ts';

export { MAX_INPUT_BYTES, MAX_NESTING_DEPTH, type WorkMeter } from './yaml-input.ts';

export interface ContractIssue {
  /** The file as the user named it, relative to the working directory when inside it (`contracts/checkout.yaml`). */
  file: string;
  /** Where inside the file (`spec.objectives[1].target`); '' for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. Not part of the formatted text; useful to editors and CI annotations. */
  line?: number;
}

export interface LoadedContract {
  file: string;
  contract: Contract;
}

export interface LoadResult {
  /** Contracts that passed validation (a file whose name duplicates an earlier file's is left out). */
  contracts: LoadedContract[];
  errors: ContractIssue[];
  warnings: ContractIssue[];
}

export interface LoadOptions {
  /** Epoch ms "now" for review-date warnings; defaults to the current time. */
  nowMs?: number;
  /** Counts the work done reading YAML (tests check it grows linearly with the file). */
  meter?: WorkMeter;
}

/** What the size refusal calls a contract file. */
const CONTRACT_FILE = 'a contract file';

/** Advice thresholds from the brief: more than these is noise. */
export const MAX_ADVISED_CONTRACTS = 5;
export const MAX_ADVISED_OBJECTIVES = 2;
/** A review date further away than this (a quarter, in days) is lax. */
export const MAX_REVIEW_DAYS = 92;

const CONTRACT_EXTENSIONS = ['.yaml', '.yml'];
const WHAT_TO_PASS = 'pass a contract file (.yaml) or a folder of them, e.g. `slo validate contracts/`';

/** `contracts/checkout.yaml: spec.objectives[1].target: must be below 100`; without a path, `file: message`. */
export function formatIssue(i: ContractIssue): string {
  return i.path === '' ? `${i.file}: ${i.message}` : `${i.file}: ${i.path}: ${i.message}`;
}

/** Thrown at synth when contracts are invalid; the message lists every issue, one per line. */
export class ContractValidationError extends Error {
  override name = 'ContractValidationError';
  readonly issues: ContractIssue[];
  constructor(issues: ContractIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** Loads and validates, throwing a ContractValidationError listing every error (warnings do not fail). */
export function loadContractsOrThrow(pathOrDir: string | readonly string[]): LoadedContract[] {
  const result = loadContracts(pathOrDir);
  if (result.errors.length > 0) throw new ContractValidationError(result.errors);
  return result.contracts;
}

/**
 * Loads contract files and folders (`slo validate a.yaml b.yaml contracts/`): a file as named, whatever its
 * extension; a folder by CONTRACT_FOLDER_RULE (every *.yaml/*.yml at any depth, sorted by path). A file reached
 * twice is read once. Returns the valid contracts, every error of every file, and advisory warnings. Never throws.
 */
export function loadContracts(pathOrPaths: string | readonly string[], opts: LoadOptions = {}): LoadResult {
  const nowMs = opts.nowMs ?? Date.now();
  const errors: ContractIssue[] = [];
  const warnings: ContractIssue[] = [];
  const paths = typeof pathOrPaths === 'string' ? [pathOrPaths] : [...pathOrPaths];
  if (paths.length === 0) paths.push('');

  const files: FileRef[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    for (const f of listContractFiles(p, displayPath(p), errors)) {
      const key = path.resolve(f.real);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push(f);
    }
  }
  // Whole-set advice is about the folder the contracts live in (the path itself when only one was given).
  const shown = paths.length === 1 ? displayPath(paths[0] as string) : commonFolder(files.map((f) => f.shown));
  const loaded: LoadedContract[] = [];
  const firstFileByName = new Map<string, string>();

  for (const file of files) {
    const outcome = loadOneFile(file.real, file.shown, opts.meter);
    const fileErrors = [...outcome.errors];
    // Duplicate names are checked on the raw name too, so a second file is flagged even while it has other errors.
    let duplicate = false;
    if (outcome.rawName !== undefined) {
      const first = firstFileByName.get(outcome.rawName);
      if (first !== undefined) {
        duplicate = true;
        fileErrors.push({
          file: file.shown,
          path: 'metadata.name',
          message: `duplicate contract name "${outcome.rawName}" (also used by ${first}): contract names must be unique`,
          ...(outcome.nameLine !== undefined ? { line: outcome.nameLine } : {}),
        });
      } else {
        firstFileByName.set(outcome.rawName, file.shown);
      }
    }
    // Top to bottom through the file; issues without a line (whole-file problems) first. Array sort is stable.
    fileErrors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    errors.push(...fileErrors);
    if (outcome.contract && !duplicate) loaded.push({ file: file.shown, contract: outcome.contract });
  }

  if (files.length > MAX_ADVISED_CONTRACTS) {
    warnings.push({
      file: shown,
      path: '',
      message: `${files.length} contracts: more than ${MAX_ADVISED_CONTRACTS} journeys is noise; keep the few (usually 3-5) that users notice`,
    });
  }
  for (const { file, contract } of loaded) warnings.push(...contractWarnings(file, contract, nowMs));

  return { contracts: loaded, errors, warnings };
}

/** Advice for one valid contract: too many objectives, lax or overdue review. */
export function contractWarnings(file: string, contract: Contract, nowMs: number): ContractIssue[] {
  const out: ContractIssue[] = [];
  contract.spec.objectives.forEach((o, i) => {
    const advice = ratioTargetAdvice(o.target);
    if (advice !== undefined) out.push({ file, path: `spec.objectives[${i}].target`, message: advice });
  });
  const objectives = contract.spec.objectives.length;
  if (objectives > MAX_ADVISED_OBJECTIVES) {
    out.push({
      file,
      path: 'spec.objectives',
      message: `${objectives} objectives: more than ${MAX_ADVISED_OBJECTIVES} per journey is noise; keep the ones users feel (usually availability and latency)`,
    });
  }
  const reviewBy = contract.spec.reviewBy;
  // Whole calendar days (UTC) from today to the review day: due today is 0, yesterday -1.
  const todayStartMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const daysAway = Math.round((Date.parse(`${reviewBy}T00:00:00Z`) - todayStartMs) / DAY_MS);
  if (daysAway < 0) {
    out.push({
      file,
      path: 'spec.reviewBy',
      message: `review overdue since ${reviewBy}: renegotiate the contract with engineering, product and business, then set a new date`,
    });
  } else if (daysAway > MAX_REVIEW_DAYS) {
    out.push({
      file,
      path: 'spec.reviewBy',
      message: `review date ${reviewBy} is ${daysAway} days away, more than a quarter (${MAX_REVIEW_DAYS} days): that is lax, review at least quarterly`,
    });
  }
  return out;
}

/** Targets below this (percent) look like ratios: 0.999 was surely meant as 99.9. */
export const RATIO_LIKE_BELOW_PCT = 1;

/**
 * Advice when a target (PERCENT) looks like a ratio (`0.999` -> "did you mean 99.9 %?"); undefined otherwise.
 * Shared by `slo validate` and `slo budget`.
 */
export function ratioTargetAdvice(targetPct: number): string | undefined {
  if (!(targetPct > 0 && targetPct < RATIO_LIKE_BELOW_PCT)) return undefined;
  const meant = Number((targetPct * 100).toPrecision(12));
  return `target ${targetPct} is below ${RATIO_LIKE_BELOW_PCT} %: targets are percent, not ratios; did you mean ${meant} %? (write target: ${meant})`;
}

/** How a folder is read, for messages and the README. */
export const CONTRACT_FOLDER_RULE =
  'every *.yaml and *.yml file in the folder and its subfolders, sorted by path; folders whose name starts with "." or "_" (e.g. _drafts/) and node_modules are skipped, and symbolic links to folders are not followed';

interface FileRef {
  real: string;
  shown: string;
  /** Path below the folder that was walked, '/'-separated (for sorting). */
  rel?: string;
}

/** The path as the user would recognise it: relative to cwd when inside it, else as given. */
function displayPath(p: string): string {
  if (!path.isAbsolute(p)) {
    const normal = path.normalize(p);
    // Keep a trailing slash the user typed (`contracts/`) so folder-level messages read naturally.
    return p.endsWith('/') && !normal.endsWith('/') ? `${normal}/` : normal;
  }
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function listContractFiles(pathOrDir: string, shown: string, errors: ContractIssue[]): FileRef[] {
  if (pathOrDir.trim() === '') {
    errors.push({ file: '(no path)', path: '', message: `no path given: ${WHAT_TO_PASS}` });
    return [];
  }
  let stat;
  try {
    stat = statSync(pathOrDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : `cannot be read (${code ?? String(err)})`;
    errors.push({ file: shown, path: '', message: `${why}: ${WHAT_TO_PASS}` });
    return [];
  }
  if (stat.isFile()) return [{ real: pathOrDir, shown }];
  if (!stat.isDirectory()) {
    errors.push({ file: shown, path: '', message: `is neither a file nor a folder: ${WHAT_TO_PASS}` });
    return [];
  }

  const shownDir = shown.endsWith('/') ? shown.slice(0, -1) : shown;
  const files: FileRef[] = [];
  // Iterative walk; `rel` uses '/' so the order is the same on every machine.
  const folders: string[] = [''];
  while (folders.length > 0) {
    const rel = folders.pop() as string;
    const real = rel === '' ? pathOrDir : path.join(pathOrDir, rel);
    let entries;
    try {
      entries = readdirSync(real, { withFileTypes: true });
    } catch (err) {
      const where = rel === '' ? shown : path.join(shownDir, rel);
      errors.push({ file: where, path: '', message: `folder cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): ${WHAT_TO_PASS}` });
      continue;
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolder(entry.name)) folders.push(childRel);
        continue;
      }
      if (!CONTRACT_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) continue;
      const childReal = path.join(pathOrDir, childRel);
      if (entry.isSymbolicLink()) {
        // A link to a file is read; a link to a folder is not followed (no cycles).
        try {
          if (!statSync(childReal).isFile()) continue;
        } catch {
          // a dangling link: loadOneFile reports why it cannot be read
        }
      } else if (!entry.isFile()) {
        continue;
      }
      files.push({ real: childReal, shown: path.join(shownDir, childRel), rel: childRel });
    }
  }
  // Code-point order of the relative path, not locale order: the same on every machine.
  files.sort((a, b) => ((a.rel ?? '') < (b.rel ?? '') ? -1 : (a.rel ?? '') > (b.rel ?? '') ? 1 : 0));
  if (files.length === 0) {
    errors.push({ file: shown, path: '', message: `no contract files (*.yaml, *.yml) in this folder or its subfolders: ${WHAT_TO_PASS}` });
  }
  return files.map(({ real, shown: s }) => ({ real, shown: s }));
}

function skippedFolder(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name === 'node_modules';
}

/** The deepest folder holding every one of `files` (shown paths), or `.`. */
function commonFolder(files: string[]): string {
  if (files.length === 0) return '.';
  let common = path.dirname(files[0] as string).split(path.sep);
  for (const f of files.slice(1)) {
    const parts = path.dirname(f).split(path.sep);
    let n = 0;
    while (n < common.length && n < parts.length && common[n] === parts[n]) n++;
    common = common.slice(0, n);
  }
  return common.length === 0 ? '.' : common.join(path.sep) || path.sep;
}

/** One file's outcome: the contract when the file is valid, else its errors. */
export interface ContractTextResult {
  contract?: Contract;
  errors: ContractIssue[];
  /** metadata.name as written, when it is a string: used for the cross-file duplicate check. */
  rawName?: string;
  nameLine?: number;
}

function loadOneFile(real: string, file: string, meter: WorkMeter | undefined): ContractTextResult {
  try {
    // Refused before reading: a huge file never reaches the parser.
    const size = statSync(real).size;
    if (size > MAX_INPUT_BYTES) return { errors: [{ file, path: '', message: tooLargeMessage(size, CONTRACT_FILE) }] };
    return parseContractText(readFileSync(real, 'utf8'), file, meter);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ? `cannot be read (${code})` : `could not be processed (${err instanceof Error ? err.message : String(err)})`;
    return { errors: [{ file, path: '', message: why }] };
  }
}

/**
 * Parses and validates one contract's text. `file` is only used in the issues. Exported for tests and tools
 * that hold the text in memory (editors, the CDK app's inline contracts). Bounded and linear in the text
 * (see yaml-input.ts): oversized, too deeply nested or alias-bomb input ends in one `file: message` issue.
 */
export function parseContractText(text: string, file: string, meter?: WorkMeter): ContractTextResult {
  const errors: ContractIssue[] = [];
  const parsed = parseYamlBounded(text, CONTRACT_FILE, meter);
  const { at } = parsed;
  if (parsed.docs.length === 0 && parsed.problems.length > 0) {
    return { errors: parsed.problems.map((p) => ({ file, path: '', message: p.message, ...(p.line !== undefined ? { line: p.line } : {}) })) };
  }
  const docs: Document.Parsed[] = parsed.docs;

  // Content-less documents (comments only) do not count: a file of comments is "empty", not "two documents".
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (real.length === 0) {
    return {
      errors: [{ file, path: '', message: 'the file is empty: a contract starts with `apiVersion: slo-contracts/v1` and `kind: SloContract`' }],
    };
  }
  if (real.length > 1) {
    const second = real[1];
    const pos = at(second?.range[0]);
    errors.push({
      file,
      path: '',
      message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}the file holds ${real.length} YAML documents (separated by ---): put one contract in each file`,
      ...(pos ? { line: pos.line } : {}),
    });
  }
  const doc = real[0] as Document.Parsed;

  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = at(e.pos[0]);
    errors.push({
      file,
      path: '',
      message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${yamlMessage(e.message)}`,
      ...(pos ? { line: pos.line } : {}),
    });
  }
  // Duplicate keys (found in linear time by parseYamlBounded) are syntax errors, as yaml itself reports them.
  for (const p of parsed.problems) errors.push({ file, path: '', message: p.message, ...(p.line !== undefined ? { line: p.line } : {}) });
  if (doc.errors.length > 0 || parsed.problems.length > 0) return { errors }; // the tree is unreliable after a syntax error

  const converted = toDataBounded(doc);
  if ('message' in converted) {
    errors.push({ file, path: '', message: converted.message });
    return { errors };
  }
  const data = converted.data;
  const locator = new NodeLocator(doc, meter);

  const rawNameNode = locator.nodeAt(['metadata', 'name']);
  const rawName = isPlainObject(data) && isPlainObject(data.metadata) && typeof data.metadata.name === 'string' ? data.metadata.name : undefined;
  const nameLine = isScalar(rawNameNode) ? at(rawNameNode.range?.[0])?.line : undefined;
  const withName = { ...(rawName !== undefined ? { rawName } : {}), ...(nameLine !== undefined ? { nameLine } : {}) };

  if (!isPlainObject(data)) {
    errors.push({
      file,
      path: '',
      message: `a contract is a YAML mapping that starts with \`apiVersion: slo-contracts/v1\`, not ${describeValue(data)}`,
    });
    return { errors, ...withName };
  }

  const result = ContractSchema.safeParse(data, { error: defaultMessage });
  if (result.success) {
    // A file with any error (e.g. a second document) yields no contract, even when its first document is valid.
    return errors.length === 0 ? { contract: result.data, errors, ...withName } : { errors, ...withName };
  }

  const located: ContractIssue[] = [];
  for (const issue of result.error.issues) {
    for (const { segments, message } of explainIssue(issue, [])) {
      const line = locator.lineOf(segments, at);
      located.push({ file, path: formatPath(segments), message, ...(line !== undefined ? { line } : {}) });
    }
  }
  return { errors: [...errors, ...located], ...withName };
}

type Segment = string | number;

/** `['spec', 'objectives', 1, 'target']` -> `spec.objectives[1].target`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else {
      const key = String(s);
      const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
      out += plain ? (out === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/**
 * One zod issue -> one or more located messages: unknown keys one per key, at the key; a union that matched
 * no branch is explained by the branch that came closest (`calendar: week` -> the allowed calendars).
 */
function explainIssue(issue: z.core.$ZodIssue, prefix: Segment[]): { segments: Segment[]; message: string }[] {
  const base = [...prefix, ...issue.path.filter((p): p is Segment => typeof p === 'string' || typeof p === 'number')];
  if (issue.code === 'unrecognized_keys') {
    const allowed = knownKeysAt(base);
    return issue.keys.map((key) => ({ segments: [...base, key], message: unknownKeyMessage(key, allowed) }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A branch that fails at its root (wrong type, keys of another branch) is a worse match than one that
    // fails on a value inside it.
    const score = (branch: z.core.$ZodIssue[]) =>
      branch.reduce((sum, i) => sum + (i.path.length === 0 && (i.code === 'unrecognized_keys' || i.code === 'invalid_type') ? 10 : 1), 0);
    const scores = issue.errors.map(score);
    const best = Math.min(...scores);
    const winners = issue.errors.filter((_, i) => scores[i] === best);
    if (winners.length === 1 && winners[0]) return winners[0].flatMap((i) => explainIssue(i, base));
    const messages = new Set(winners.flatMap((b) => b.map((i) => `${formatPath(i.path)}|${i.message}`)));
    if (messages.size === 1 && winners[0]?.[0]) return explainIssue(winners[0][0], base);
    const keys = knownKeysAt(base);
    return [{ segments: base, message: keys.length > 0 ? `give exactly one of: ${keys.join(', ')}` : issue.message }];
  }
  return [{ segments: base, message: issue.message }];
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const close = allowed.find((k) => k.toLowerCase() === key.toLowerCase()) ?? allowed.find((k) => editDistance(k, key) <= 2);
  if (close !== undefined) return `unknown key "${key}": did you mean "${close}"?`;
  return allowed.length > 0 ? `unknown key "${key}" (allowed here: ${allowed.join(', ')})` : `unknown key "${key}"`;
}

/** Keys the schema accepts at `segments`, by walking the zod definition (best effort; [] when unknown). */
function knownKeysAt(segments: Segment[]): string[] {
  const keys = new Set<string>();
  const visit = (schema: z.core.$ZodType | undefined, rest: Segment[]): void => {
    if (!schema) return;
    const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'catch':
        return visit(def.innerType as z.core.$ZodType, rest);
      case 'pipe':
        return visit(def.in as z.core.$ZodType, rest);
      case 'union':
        for (const option of def.options as z.core.$ZodType[]) visit(option, rest);
        return;
      case 'array':
        if (rest.length === 0) return;
        return visit(def.element as z.core.$ZodType, rest.slice(1));
      case 'object': {
        const shape = def.shape as Record<string, z.core.$ZodType>;
        if (rest.length === 0) {
          for (const k of Object.keys(shape)) keys.add(k);
          return;
        }
        return visit(shape[String(rest[0])], rest.slice(1));
      }
      default:
        return;
    }
  };
  visit(ContractSchema, segments);
  return [...keys];
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/**
 * Messages for issues the schema does not word itself (zod's defaults read like "Invalid input: expected
 * string, received undefined"). Schema-level messages take precedence over this map.
 */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const i = issue as z.core.$ZodRawIssue & Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type':
      if (i.input === undefined) return 'is required';
      return `must be ${expectedName(String(i.expected))}, not ${describeValue(i.input)}`;
    case 'invalid_value': {
      const values = (i.values as unknown[] | undefined) ?? [];
      const list = values.map((v) => JSON.stringify(v)).join(', ');
      return values.length === 1 ? `must be ${list}, not ${describeValue(i.input)}` : `must be one of ${list}, not ${describeValue(i.input)}`;
    }
    case 'too_small': {
      const min = Number(i.minimum);
      if (i.origin === 'array') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
      if (i.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      return i.inclusive ? `must be at least ${min}` : `must be above ${min}`;
    }
    case 'too_big': {
      const max = Number(i.maximum);
      if (i.origin === 'array') return `allows at most ${max} item${max === 1 ? '' : 's'}`;
      if (i.origin === 'string') return `must be at most ${max} characters long`;
      return i.inclusive ? `must be at most ${max}` : `must be below ${max}`;
    }
    case 'invalid_format':
      return `must be a valid ${String(i.format)}`;
    case 'invalid_key':
      return 'has an invalid key: names must be non-empty text';
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'custom':
      return 'is invalid';
    default:
      return undefined;
  }
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping (key: value lines)';
    case 'array':
      return 'a list';
    case 'string':
      return 'text';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') {
    const shown = v.length > 40 ? `${v.slice(0, 40)}...` : v;
    return `the text ${JSON.stringify(shown)}`;
  }
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** yaml's messages end with hints aimed at its API ("please use YAML.parseAllDocuments()"); keep the first sentence. */
function yamlMessage(message: string): string {
  return message.replace(/;\s*please use .*$/s, '').trim();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
