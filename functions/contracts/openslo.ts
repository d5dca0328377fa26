/**
 * OpenSLO v1 in and out. Pure: documents in, documents out; no AWS, no files, no clock.
 *
 * Import (`importOpenslo`): SLO documents (with an inline `indicator` or an `indicatorRef` to an SLI document)
 * whose metrics come from CloudWatch become contract objectives. SLOs of one `service` share a contract (one
 * window per contract; an SLO whose window differs gets a contract of its own). What OpenSLO does not hold
 * (sign-offs, review date, policy, gates, notify) becomes a placeholder that FAILS validation until filled in,
 * with a comment saying what to write. Whole documents that cannot be converted are listed with file,
 * document and path; so are the parts of converted documents a contract cannot carry.
 *
 * Mapping (OpenSLO -> contract):
 * - `ratioMetric` good|bad / total, budgetingMethod Occurrences -> `ratio` (good or bad, total).
 * - `thresholdMetric` + objective `op`/`value`, budgetingMethod Timeslices -> `timeslice` (good = "op value",
 *   period = timeSliceWindow; a number means minutes). With Occurrences, every data point is one occurrence:
 *   a `timeslice` with 1-minute periods.
 * - `target` (ratio, 0.999) or `targetPercent` (99.9) -> `target` in percent.
 * - `timeWindow` rolling (`28d`, `4w`, whole days up to 90) -> `{ rolling }`; calendar (`isRolling: false`)
 *   `1M` -> month, `1Q` or `3M` -> quarter. Contracts reset calendar windows at 00:00 UTC.
 * - CloudWatch metric sources (`type: CloudWatch`, or a `metricSourceRef` to a DataSource of that type), in
 *   the flat form `{ namespace, metricName, stat, dimensions }` (dimensions a list of `{ name, value }` or a
 *   map) or the GetMetricData form `{ metricStat: { metric: { namespace, metricName, dimensions }, stat } }`
 *   (keys in any case).
 *
 * Export (`exportOpenslo`): per contract one Service (journey as description) and, per objective, one SLI and
 * one SLO document (`<contract>-<objective>`). A latency SLI becomes a ratio of `TC(:threshold)` to
 * `SampleCount`, exactly the statistics the evaluator reads. What OpenSLO has no field for travels in
 * `slo-contracts.dev/*` annotations (other tools ignore them; `slo import openslo` reads them back), so
 * contract -> OpenSLO -> contract gives the same contract.
 */
import { Document, isMap, isPair, isScalar, type Node } from 'yaml';
import { API_VERSION, KIND, type Contract, type MetricStat, type Objective } from '../core/contract.ts';
import { DAY_MS, MINUTE_MS, formatDuration, tryParseDuration } from '../core/duration.ts';
import { COMPARISON_PATTERN } from '../core/model.ts';
import { parseYamlBounded, toDataBounded } from './yaml-input.ts';

export const OPENSLO_API_VERSION = 'openslo/v1';

/** Annotations that carry what OpenSLO has no field for. Values are strings (JSON for structures). */
export const ANNOTATIONS = {
  contract: 'slo-contracts.dev/contract',
  objective: 'slo-contracts.dev/objective',
  latencyUnit: 'slo-contracts.dev/latency-unit',
  latencyThreshold: 'slo-contracts.dev/latency-threshold',
  noData: 'slo-contracts.dev/no-data',
  good: 'slo-contracts.dev/good',
  owner: 'slo-contracts.dev/owner',
  reviewBy: 'slo-contracts.dev/review-by',
  signedOff: 'slo-contracts.dev/signed-off',
  policy: 'slo-contracts.dev/policy',
  gates: 'slo-contracts.dev/gates',
  notify: 'slo-contracts.dev/notify',
  exclusions: 'slo-contracts.dev/exclusions',
  minEvents: 'slo-contracts.dev/min-events',
} as const;

/** One YAML document (or one item of a document that is a list of objects) read from a file. */
export interface OpensloDocument {
  file: string;
  /** 1-based position of the YAML document in the file. */
  document: number;
  /** 0-based position when the document is a list of objects. */
  item?: number;
  data: unknown;
}

/** A problem with an OpenSLO document: `file: document 2 (SLO checkout-latency): spec.budgetingMethod: ...`. */
export interface OpensloIssue {
  file: string;
  /** `document 2 (SLO checkout-latency)`. */
  where: string;
  /** Path inside the document; '' for the document as a whole. */
  path: string;
  message: string;
}

export function formatOpensloIssue(i: OpensloIssue): string {
  return `${i.file}: ${i.where}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`;
}

export interface ImportedContract {
  /** metadata.name, also the suggested file name (`<name>.yaml`). */
  name: string;
  /** The contract as data; placeholders are null or []. */
  data: Record<string, unknown>;
  /** The contract as YAML, with a FILL IN comment above each placeholder. */
  text: string;
  /** Paths of the placeholders (`spec.signedOff`, ...): the contract validates once they are filled in. */
  fillIn: string[];
  /** The SLO documents it was made from. */
  from: string[];
}

export interface ImportResult {
  contracts: ImportedContract[];
  /** Documents that could not be converted at all, and why. */
  notConverted: OpensloIssue[];
  /** Parts of converted documents that a contract does not carry (dropped or assumed), and why. */
  dropped: OpensloIssue[];
}

/** Raised inside the conversion of one SLO; caught and listed, never thrown out of importOpenslo. */
export class OpensloConversionError extends Error {
  override name = 'OpensloConversionError';
  constructor(
    readonly where: Where,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Import

type Rec = Record<string, unknown>;

interface Where {
  file: string;
  where: string;
}

interface OpensloObject extends Where {
  kind: string;
  name: string;
  data: Rec;
  annotations: Record<string, string>;
}

type WindowOut = { rolling: string } | { calendar: 'month' | 'quarter' };

interface MetricOut {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  stat?: string;
}

interface ObjectiveOut {
  name: string;
  description?: string;
  target: number;
  sli: Rec;
}

interface ConvertedSlo {
  slo: OpensloObject;
  group: string;
  window: WindowOut;
  objectives: ObjectiveOut[];
}

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** A key looked up regardless of case (`metricStat`, `MetricStat`). */
function getCI(o: Rec, ...names: string[]): unknown {
  for (const name of names) if (name in o) return o[name];
  const lower = new Map(Object.keys(o).map((k) => [k.toLowerCase(), k]));
  for (const name of names) {
    const key = lower.get(name.toLowerCase());
    if (key !== undefined) return o[key];
  }
  return undefined;
}

/** `checkout api` -> `checkout-api`: a contract name (lower-case letters, digits, dashes, at most 40). */
export function contractName(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug === '' ? 'imported' : slug;
}

function describe(kind: string, name: string, doc: OpensloDocument): string {
  const item = doc.item !== undefined ? ` item ${doc.item + 1}` : '';
  return `document ${doc.document}${item} (${kind}${name ? ` ${name}` : ''})`;
}

const ALERT_KINDS = new Set(['AlertPolicy', 'AlertCondition', 'AlertNotificationTarget']);

/** Converts OpenSLO v1 documents into contracts. Never throws: every problem is listed in the result. */
export function importOpenslo(documents: readonly OpensloDocument[]): ImportResult {
  const notConverted: OpensloIssue[] = [];
  const dropped: OpensloIssue[] = [];
  const objects: OpensloObject[] = [];

  for (const doc of documents) {
    const entries = Array.isArray(doc.data) ? doc.data.map((data, item) => ({ ...doc, item, data })) : [doc];
    for (const entry of entries) {
      if (entry.data === null || entry.data === undefined) continue;
      const at = { file: entry.file, where: describe('?', '', entry) };
      if (!isRec(entry.data)) {
        notConverted.push({ ...at, where: `document ${entry.document}`, path: '', message: 'not an OpenSLO object: expected a mapping with apiVersion, kind, metadata and spec' });
        continue;
      }
      const kind = str(entry.data.kind) ?? '?';
      const metadata = isRec(entry.data.metadata) ? entry.data.metadata : {};
      const name = str(metadata.name) ?? '';
      const where = { file: entry.file, where: describe(kind, name, entry) };
      if (entry.data.apiVersion !== OPENSLO_API_VERSION) {
        notConverted.push({ ...where, path: 'apiVersion', message: `only ${OPENSLO_API_VERSION} documents are converted, not ${JSON.stringify(entry.data.apiVersion ?? null)}` });
        continue;
      }
      if (name === '') {
        notConverted.push({ ...where, path: 'metadata.name', message: 'is required' });
        continue;
      }
      const annotations: Record<string, string> = {};
      if (isRec(metadata.annotations)) {
        for (const [k, v] of Object.entries(metadata.annotations)) if (typeof v === 'string') annotations[k] = v;
      }
      objects.push({ ...where, kind, name, data: entry.data, annotations });
    }
  }

  const byKind = (kind: string) => new Map(objects.filter((o) => o.kind === kind).map((o) => [o.name, o]));
  const slis = byKind('SLI');
  const dataSources = byKind('DataSource');
  const services = byKind('Service');

  for (const o of objects) {
    if (ALERT_KINDS.has(o.kind)) {
      notConverted.push({ ...o, path: '', message: `${o.kind} is not converted: a contract's policy tiers and its burn-rate alerts (page, ticket) take the place of OpenSLO alerting` });
    } else if (!['SLO', 'SLI', 'DataSource', 'Service'].includes(o.kind)) {
      notConverted.push({ ...o, path: 'kind', message: `unknown kind ${JSON.stringify(o.kind)}: OpenSLO v1 kinds are SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition and AlertNotificationTarget` });
    }
  }

  const converted: ConvertedSlo[] = [];
  for (const slo of objects.filter((o) => o.kind === 'SLO')) {
    const notes: OpensloIssue[] = [];
    try {
      converted.push(convertSlo(slo, { slis, dataSources, note: (where, path, message) => notes.push({ ...where, path, message }) }));
      dropped.push(...notes);
    } catch (err) {
      if (!(err instanceof OpensloConversionError)) throw err;
      notConverted.push({ ...err.where, path: err.path, message: err.message });
    }
  }

  return { contracts: groupIntoContracts(converted, services, dropped), notConverted, dropped };
}

/**
 * The documents of an OpenSLO file's text, read with the same bounds as contracts (size, depth, aliases);
 * syntax errors and refusals become issues of the file or of the document.
 */
export function parseOpensloText(text: string, file: string): { documents: OpensloDocument[]; issues: OpensloIssue[] } {
  const issues: OpensloIssue[] = [];
  const parsed = parseYamlBounded(text, 'an OpenSLO file');
  if (parsed.problems.length > 0) {
    return { documents: [], issues: parsed.problems.map((p) => ({ file, where: 'file', path: '', message: p.message })) };
  }
  const documents: OpensloDocument[] = [];
  parsed.docs.forEach((doc, i) => {
    const where = `document ${i + 1}`;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = parsed.at(e.pos[0]);
        issues.push({ file, where, path: '', message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${e.message.replace(/;\s*please use .*$/s, '')}` });
      }
      return;
    }
    const data = toDataBounded(doc);
    if ('message' in data) issues.push({ file, where, path: '', message: data.message });
    else documents.push({ file, document: i + 1, data: data.data });
  });
  return { documents, issues };
}

interface Lookup {
  slis: Map<string, OpensloObject>;
  dataSources: Map<string, OpensloObject>;
  note(where: Where, path: string, message: string): void;
}

function convertSlo(slo: OpensloObject, lookup: Lookup): ConvertedSlo {
  const fail = (path: string, message: string): never => {
    throw new OpensloConversionError(slo, path, message);
  };
  const spec = isRec(slo.data.spec) ? slo.data.spec : fail('spec', 'is required');

  // The SLI: inline or referenced.
  let sliAt: Where = slo;
  let sliPath = 'spec.indicator.spec';
  let sliSpec: Rec;
  if (spec.indicator !== undefined) {
    const indicator = isRec(spec.indicator) ? spec.indicator : fail('spec.indicator', 'must be a mapping with metadata and spec');
    sliSpec = isRec(indicator.spec) ? indicator.spec : fail('spec.indicator.spec', 'is required');
  } else if (typeof spec.indicatorRef === 'string') {
    const sli = lookup.slis.get(spec.indicatorRef) ?? fail('spec.indicatorRef', `no SLI named "${spec.indicatorRef}" in the files given: pass the file that defines it too`);
    sliAt = sli;
    sliPath = 'spec';
    sliSpec = isRec(sli.data.spec) ? sli.data.spec : fail('spec', `the SLI "${sli.name}" has no spec`);
  } else {
    const objectives = Array.isArray(spec.objectives) ? spec.objectives : [];
    if (objectives.some((o) => isRec(o) && (o.indicator !== undefined || o.indicatorRef !== undefined))) {
      return fail('spec.objectives', 'a composite SLO (an indicator per objective) cannot be converted: a contract objective has one SLI; split it into one SLO per indicator');
    }
    return fail('spec', 'give indicator or indicatorRef');
  }
  const sliFail = (path: string, message: string): never => {
    throw new OpensloConversionError(sliAt, `${sliPath}.${path}`, message);
  };

  const method = spec.budgetingMethod;
  if (method === 'RatioTimeslices') fail('spec.budgetingMethod', 'RatioTimeslices cannot be converted: a contract timeslice compares one metric per period; use Occurrences with a ratioMetric');
  if (method !== 'Occurrences' && method !== 'Timeslices') fail('spec.budgetingMethod', `must be Occurrences or Timeslices, not ${JSON.stringify(method ?? null)}`);

  const window = convertWindow(spec.timeWindow, slo, lookup, fail);

  const objectives = Array.isArray(spec.objectives) && spec.objectives.length > 0 ? spec.objectives : fail('spec.objectives', 'give at least one objective');
  if (Array.isArray(spec.alertPolicies) && spec.alertPolicies.length > 0) {
    lookup.note(slo, 'spec.alertPolicies', 'not converted: the contract policy tiers and burn-rate alerts take their place');
  }

  const ratio = isRec(sliSpec.ratioMetric) ? sliSpec.ratioMetric : undefined;
  const threshold = isRec(sliSpec.thresholdMetric) ? sliSpec.thresholdMetric : undefined;
  if (!ratio && !threshold) sliFail('', 'give ratioMetric or thresholdMetric');
  if (ratio && threshold) sliFail('', 'give ratioMetric or thresholdMetric, not both');

  const metricOf = (holder: unknown, path: string): MetricOut => {
    const ms = isRec(holder) && isRec(holder.metricSource) ? holder.metricSource : sliFail(path, 'give metricSource');
    return cloudWatchMetric(ms, sliAt, `${sliPath}.${path}.metricSource`, lookup);
  };

  const out: ObjectiveOut[] = [];
  const annotatedName = objectives.length === 1 ? str(slo.annotations[ANNOTATIONS.objective]) : undefined;
  objectives.forEach((raw, i) => {
    const path = `spec.objectives[${i}]`;
    const o = isRec(raw) ? raw : fail(path, 'must be a mapping');
    const target = targetPercent(o, path, fail, slo, lookup);
    let sli: Rec;
    if (ratio) {
      if (method === 'Timeslices') {
        fail('spec.budgetingMethod', 'Timeslices over a ratioMetric cannot be converted: a contract timeslice compares one metric per period; use Occurrences, or a metric that holds the per-period ratio as a thresholdMetric');
      }
      if (ratio.raw !== undefined) sliFail('ratioMetric.raw', 'a precomputed ratio (raw) cannot be converted: give good (or bad) and total counts');
      if (ratio.counter === true) lookup.note(sliAt, `${sliPath}.ratioMetric.counter`, 'ignored: CloudWatch counts are per period (Sum), not a monotonic counter');
      const good = ratio.good !== undefined ? metricOf(ratio.good, 'ratioMetric.good') : undefined;
      const bad = ratio.bad !== undefined ? metricOf(ratio.bad, 'ratioMetric.bad') : undefined;
      const total = metricOf(ratio.total, 'ratioMetric.total');
      if (!good && !bad) sliFail('ratioMetric', 'give good (or bad) as well as total');
      if (good && bad) sliFail('ratioMetric', 'give good or bad, not both');
      sli = latencyFromRatio(good, total, slo) ?? { ratio: { ...(good ? { good: statOut(good, 'Sum') } : { bad: statOut(bad as MetricOut, 'Sum') }), total: statOut(total, 'Sum') } };
    } else {
      const metric = metricOf(threshold, 'thresholdMetric');
      const good = str(slo.annotations[ANNOTATIONS.good]) ?? comparison(o, path, fail);
      let period = '1m';
      if (method === 'Timeslices') {
        period = timeSlicePeriod(o.timeSliceWindow, `${path}.timeSliceWindow`, fail);
        if (o.timeSliceTarget !== undefined && o.timeSliceTarget !== 1) {
          lookup.note(slo, `${path}.timeSliceTarget`, `${String(o.timeSliceTarget)} not carried: a contract period is good when the period's statistic (${metric.stat ?? 'Average'}) meets the comparison, as with timeSliceTarget 1`);
        }
      } else {
        lookup.note(slo, 'spec.budgetingMethod', 'Occurrences over a thresholdMetric counts data points: converted to a timeslice with 1-minute periods (one data point each); for request latency a `latency` SLI (share of requests under a threshold) is usually what you mean');
      }
      const noData = slo.annotations[ANNOTATIONS.noData];
      sli = { timeslice: { metric: statOut(metric, 'Average'), good, period, noData: noData === 'good' || noData === 'bad' ? noData : 'skip' } };
    }
    const displayName = str(o.displayName);
    const name = annotatedName ?? (objectives.length === 1 ? contractName(slo.name) : contractName(`${slo.name}-${displayName ?? String(i + 1)}`));
    const description = str(spec.description) ?? (objectives.length > 1 ? displayName : undefined);
    out.push({ name, ...(description !== undefined ? { description } : {}), target, sli });
  });

  const group = str(slo.annotations[ANNOTATIONS.contract]) ?? str(spec.service) ?? slo.name;
  // `checkout-availability` in contract `checkout` is objective `availability` (unless named by annotation).
  const prefix = `${contractName(group)}-`;
  const objectivesOut = annotatedName !== undefined ? out : out.map((o) => (o.name.startsWith(prefix) && o.name.length > prefix.length ? { ...o, name: o.name.slice(prefix.length) } : o));
  return { slo, group, window, objectives: objectivesOut };
}

function targetPercent(o: Rec, path: string, fail: (p: string, m: string) => never, slo: OpensloObject, lookup: Lookup): number {
  const pct = typeof o.targetPercent === 'number' ? o.targetPercent : undefined;
  const ratio = typeof o.target === 'number' ? o.target : undefined;
  if (pct !== undefined && ratio !== undefined) lookup.note(slo, `${path}.target`, 'ignored: targetPercent is given too and wins');
  if (pct !== undefined) return pct;
  if (ratio !== undefined) return Number((ratio * 100).toPrecision(12));
  return fail(`${path}.target`, 'give target (a ratio, e.g. 0.999) or targetPercent (e.g. 99.9)');
}

const OPS: Record<string, string> = { gte: '>=', gt: '>', lte: '<=', lt: '<' };
const OPS_BACK: Record<string, string> = { '>=': 'gte', '>': 'gt', '<=': 'lte', '<': 'lt' };

function comparison(o: Rec, path: string, fail: (p: string, m: string) => never): string {
  const op = typeof o.op === 'string' ? OPS[o.op] : undefined;
  if (op === undefined) return fail(`${path}.op`, 'a thresholdMetric objective needs op: lte, lt, gte or gt');
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) return fail(`${path}.value`, 'a thresholdMetric objective needs a numeric value');
  return `${op} ${o.value}`;
}

/** `timeSliceWindow`: a number of minutes, or a duration shorthand in whole minutes. */
function timeSlicePeriod(v: unknown, path: string, fail: (p: string, m: string) => never): string {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return `${v}m`;
  if (typeof v === 'string' && /^\d+[mhdw]$/.test(v)) {
    const ms = tryParseDuration(v);
    if (ms !== undefined && ms % MINUTE_MS === 0) return v;
  }
  return fail(path, `must be whole minutes (a number, or e.g. 1m, 5m, 1h) for a contract timeslice period, not ${JSON.stringify(v ?? null)}`);
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);

function convertWindow(raw: unknown, slo: OpensloObject, lookup: Lookup, fail: (p: string, m: string) => never): WindowOut {
  if (raw === undefined) {
    lookup.note(slo, 'spec.timeWindow', 'missing: a 30-day rolling window is assumed (window: { rolling: 30d }); check it');
    return { rolling: '30d' };
  }
  if (!Array.isArray(raw) || raw.length !== 1 || !isRec(raw[0])) return fail('spec.timeWindow', 'must be a list of exactly one time window');
  const w = raw[0];
  const path = 'spec.timeWindow[0]';
  const duration = typeof w.duration === 'string' ? w.duration.trim() : '';
  const match = /^(\d+)([mhdwMQY])$/.exec(duration);
  if (!match) return fail(`${path}.duration`, `must be a duration shorthand such as 28d, 4w, 1M or 1Q, not ${JSON.stringify(w.duration ?? null)}`);
  const count = Number(match[1]);
  const unit = match[2] as string;
  const calendar = isRec(w.calendar) ? w.calendar : undefined;
  const rolling = w.isRolling === true || (w.isRolling === undefined && calendar === undefined);

  if (rolling) {
    const ms = 'mhdw'.includes(unit) ? tryParseDuration(duration) : undefined;
    if (ms === undefined || ms % DAY_MS !== 0 || ms > 90 * DAY_MS) {
      return fail(
        `${path}.duration`,
        `a rolling ${duration} window cannot be converted: a contract's rolling window is whole days up to 90d (e.g. 28d, 30d), or use a calendar month or quarter`,
      );
    }
    return { rolling: duration };
  }

  const kind = unit === 'M' && count === 1 ? 'month' : (unit === 'Q' && count === 1) || (unit === 'M' && count === 3) ? 'quarter' : undefined;
  if (!kind) return fail(`${path}.duration`, `a calendar ${duration} window cannot be converted: contracts have calendar windows of one month (1M) or one quarter (1Q)`);
  const zone = calendar ? str(calendar.timeZone) : undefined;
  if (zone !== undefined && !UTC_ZONES.has(zone)) {
    lookup.note(slo, `${path}.calendar.timeZone`, `${zone} not carried: contract calendar windows reset at 00:00 UTC`);
  }
  const start = calendar ? str(calendar.startTime) : undefined;
  const aligned = start === undefined || (/^\d{4}-\d{2}-01[ T]00:00(:00)?$/.test(start) && (kind === 'month' || ['01', '04', '07', '10'].includes(start.slice(5, 7))));
  if (!aligned) {
    lookup.note(slo, `${path}.calendar.startTime`, `${start} not carried: contract calendar windows start on the 1st of the ${kind === 'month' ? 'month' : 'quarter (January, April, July, October)'} at 00:00 UTC`);
  }
  return { calendar: kind };
}

/** A CloudWatch metric from an OpenSLO metricSource; throws for anything else. */
function cloudWatchMetric(ms: Rec, at: Where, path: string, lookup: Lookup): MetricOut {
  const fail = (p: string, message: string): never => {
    throw new OpensloConversionError(at, p === '' ? path : `${path}.${p}`, message);
  };
  const ref = str(ms.metricSourceRef);
  const type = str(ms.type) ?? (ref !== undefined ? str((lookup.dataSources.get(ref)?.data.spec as Rec | undefined)?.type) : undefined);
  if (type === undefined) {
    return fail('type', ref !== undefined ? `no DataSource named "${ref}" with a type in the files given: give type: CloudWatch or pass the DataSource file` : 'give type: CloudWatch');
  }
  if (type.toLowerCase() !== 'cloudwatch') {
    return fail('type', `a ${type} metric cannot be converted: the evaluator reads CloudWatch, so only type CloudWatch metric sources are`);
  }
  const spec = isRec(ms.spec) ? ms.spec : fail('spec', 'is required: namespace, metricName, stat and dimensions');
  for (const key of ['sql', 'json', 'expression']) {
    if (getCI(spec, key) !== undefined) {
      return fail(`spec.${key}`, 'a CloudWatch query (Metrics Insights SQL, metric math or a JSON query) cannot be converted: a contract names one metric and one statistic');
    }
  }
  for (const key of ['region', 'accountId']) {
    const v = getCI(spec, key);
    if (v !== undefined) lookup.note(at, `${path}.spec.${key}`, `${String(v)} not carried: the evaluator reads metrics in the stack's own account and region`);
  }

  const metricStat = getCI(spec, 'metricStat');
  const form = isRec(metricStat) ? metricStat : spec;
  const metric = isRec(metricStat) ? getCI(metricStat, 'metric') : spec;
  const m = isRec(metric) ? metric : fail('spec.metricStat.metric', 'is required: namespace, metricName and dimensions');
  const base = isRec(metricStat) ? 'spec.metricStat.metric' : 'spec';
  const namespace = str(getCI(m, 'namespace')) ?? fail(`${base}.namespace`, 'is required');
  const metricName = str(getCI(m, 'metricName')) ?? fail(`${base}.metricName`, 'is required');
  const stat = getCI(form, 'stat');
  const period = getCI(form, 'period');
  if (period !== undefined) lookup.note(at, `${path}.${isRec(metricStat) ? 'spec.metricStat' : 'spec'}.period`, `${String(period)} not carried: the evaluator reads 60-second periods`);

  const dimensions: Record<string, string> = {};
  const rawDims = getCI(m, 'dimensions');
  if (Array.isArray(rawDims)) {
    rawDims.forEach((d, i) => {
      const name = isRec(d) ? getCI(d, 'name') : undefined;
      const value = isRec(d) ? getCI(d, 'value') : undefined;
      if (typeof name !== 'string' || (typeof value !== 'string' && typeof value !== 'number')) {
        fail(`${base}.dimensions[${i}]`, 'a dimension is { name, value }');
      }
      dimensions[name as string] = String(value);
    });
  } else if (isRec(rawDims)) {
    for (const [k, v] of Object.entries(rawDims)) {
      if (typeof v !== 'string' && typeof v !== 'number') fail(`${base}.dimensions.${k}`, 'a dimension value is text');
      dimensions[k] = String(v);
    }
  } else if (rawDims !== undefined && rawDims !== null) {
    fail(`${base}.dimensions`, 'give a list of { name, value } or a mapping of name: value');
  }
  return { namespace, metric: metricName, dimensions, ...(typeof stat === 'string' && stat !== '' ? { stat } : {}) };
}

function statOut(m: MetricOut, defaultStat: string): Rec {
  return {
    namespace: m.namespace,
    metric: m.metric,
    ...(Object.keys(m.dimensions).length > 0 ? { dimensions: m.dimensions } : {}),
    stat: m.stat ?? defaultStat,
  };
}

/** A ratio of TC(:x) to SampleCount on one metric, exported from a latency SLI: back to `latency`. */
function latencyFromRatio(good: MetricOut | undefined, total: MetricOut, slo: OpensloObject): Rec | undefined {
  const unit = slo.annotations[ANNOTATIONS.latencyUnit];
  if (!good || (unit !== 'seconds' && unit !== 'milliseconds')) return undefined;
  const tc = /^TC\(:(\d+(?:\.\d+)?)\)$/.exec(good.stat ?? '');
  const same =
    good.namespace === total.namespace &&
    good.metric === total.metric &&
    total.stat === 'SampleCount' &&
    JSON.stringify(Object.entries(good.dimensions).sort()) === JSON.stringify(Object.entries(total.dimensions).sort());
  if (!tc || !same) return undefined;
  const thresholdMs = unit === 'seconds' ? Number(tc[1]) * 1000 : Number(tc[1]);
  const annotated = slo.annotations[ANNOTATIONS.latencyThreshold];
  const threshold = annotated !== undefined && tryParseDuration(annotated) === Number(thresholdMs.toPrecision(12)) ? annotated : formatDuration(Number(thresholdMs.toPrecision(12)));
  return {
    latency: {
      metric: { namespace: good.namespace, metric: good.metric, unit, ...(Object.keys(good.dimensions).length > 0 ? { dimensions: good.dimensions } : {}) },
      threshold,
    },
  };
}

/** Same window: same calendar, or rolling windows of the same length (`4w` and `28d`). */
function sameWindow(a: WindowOut, b: WindowOut): boolean {
  if ('rolling' in a && 'rolling' in b) return tryParseDuration(a.rolling) === tryParseDuration(b.rolling);
  return 'calendar' in a && 'calendar' in b && a.calendar === b.calendar;
}

/** What to write instead of each placeholder; the comment above it in the output. */
const FILL_IN: Record<string, string> = {
  'metadata.journey': 'FILL IN: the user journey in words, e.g. "User can complete a purchase".',
  'metadata.owner': 'FILL IN: the owning team, e.g. team-payments.',
  'spec.signedOff': 'FILL IN: sign-offs are not in OpenSLO. Engineering, product and business must all sign:\n  - { role: engineering, by: Name, on: YYYY-MM-DD } (and product, business)',
  'spec.reviewBy': 'FILL IN: the renegotiation date, YYYY-MM-DD, at most a quarter away.',
  'spec.policy': 'FILL IN: the error-budget policy is not in OpenSLO. Write `policy: {}` for the default tiers\n(healthy > 50 %, warning > 25 %, frozen > 0 % freezing non-critical gates, exhausted freezing all).',
  'spec.gates': 'FILL IN: the CodePipeline stages this contract freezes, e.g.\n  - { pipeline: shop-web, stage: Production, critical: false }\nor [] for none.',
  'spec.notify': 'FILL IN: who is told of tier changes, e.g. { email: [team@example.com] }, or {} for no one beyond the stack\'s topics.',
};

function parseAnnotation(obj: OpensloObject | undefined, key: string, dropped: OpensloIssue[]): unknown {
  const raw = obj?.annotations[key];
  if (raw === undefined || !obj) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    dropped.push({ ...obj, path: `metadata.annotations["${key}"]`, message: 'not carried: not valid JSON' });
    return undefined;
  }
}

function groupIntoContracts(converted: ConvertedSlo[], services: Map<string, OpensloObject>, dropped: OpensloIssue[]): ImportedContract[] {
  // Group by contract (service); an SLO whose window differs from its group's gets a contract of its own.
  const groups = new Map<string, ConvertedSlo[]>();
  for (const c of converted) {
    const key = contractName(c.group);
    const first = groups.get(key)?.[0];
    if (first && !sameWindow(first.window, c.window)) {
      const own = contractName(c.slo.name);
      dropped.push({ ...c.slo, path: 'spec.timeWindow', message: `differs from the window of ${first.slo.name} in service ${c.group}: a contract has one window, so it becomes a contract of its own, ${own}` });
      groups.set(own, [...(groups.get(own) ?? []), c]);
      continue;
    }
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }

  const out: ImportedContract[] = [];
  for (const [name, members] of groups) {
    const first = members[0] as ConvertedSlo;
    const service = services.get(first.group);
    const sloSpec = first.slo.data.spec as Rec;
    const serviceSpec = isRec(service?.data.spec) ? service.data.spec : {};
    const serviceMeta = isRec(service?.data.metadata) ? service.data.metadata : {};
    const labels = isRec(serviceMeta.labels) ? serviceMeta.labels : isRec((first.slo.data.metadata as Rec).labels) ? ((first.slo.data.metadata as Rec).labels as Rec) : {};
    const teamLabel = Array.isArray(labels.team) ? str(labels.team[0]) : str(labels.team);
    const fillIn: string[] = [];
    const orFill = (path: string, value: unknown, placeholder: unknown): unknown => {
      if (value !== undefined) return value;
      fillIn.push(path);
      return placeholder;
    };

    const objectives: ObjectiveOut[] = [];
    const names = new Set<string>();
    for (const m of members) {
      for (const o of m.objectives) {
        let unique = o.name;
        for (let n = 2; names.has(unique); n++) unique = `${o.name.slice(0, 37)}-${n}`;
        if (unique !== o.name) dropped.push({ ...m.slo, path: 'metadata.name', message: `objective name ${o.name} is taken in contract ${name}: named ${unique}` });
        names.add(unique);
        objectives.push({ ...o, name: unique });
      }
    }

    const journey = str(serviceSpec.description) ?? str(serviceMeta.displayName) ?? str((first.slo.data.metadata as Rec).displayName) ?? str(sloSpec.description);
    const owner = service?.annotations[ANNOTATIONS.owner] ?? teamLabel;
    const minEvents = parseAnnotation(service, ANNOTATIONS.minEvents, dropped);
    const exclusions = parseAnnotation(service, ANNOTATIONS.exclusions, dropped);
    const data: Rec = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, journey: orFill('metadata.journey', journey, null), owner: orFill('metadata.owner', owner, null) },
      spec: {
        signedOff: orFill('spec.signedOff', parseAnnotation(service, ANNOTATIONS.signedOff, dropped), []),
        reviewBy: orFill('spec.reviewBy', service?.annotations[ANNOTATIONS.reviewBy], null),
        window: first.window,
        objectives,
        policy: orFill('spec.policy', parseAnnotation(service, ANNOTATIONS.policy, dropped), null),
        gates: orFill('spec.gates', parseAnnotation(service, ANNOTATIONS.gates, dropped), null),
        notify: orFill('spec.notify', parseAnnotation(service, ANNOTATIONS.notify, dropped), null),
        ...(exclusions !== undefined ? { exclusions } : {}),
        ...(minEvents !== undefined ? { minEvents } : {}),
      },
    };
    const from = members.map((m) => `${m.slo.file}: ${m.slo.where}`);
    out.push({ name, data, text: contractYaml(data, fillIn, from), fillIn, from });
  }
  return out;
}

/** The contract as YAML: a header naming the sources, and a FILL IN comment above each placeholder. */
function contractYaml(data: Rec, fillIn: string[], from: string[]): string {
  const doc = new Document(data);
  doc.commentBefore = [
    ` Imported from OpenSLO by \`slo import openslo\` from:`,
    ...from.map((f) => `   ${f}`),
    ...(fillIn.length > 0 ? [` Fill in every FILL IN below: \`slo validate\` fails until you do.`] : []),
  ].join('\n');
  for (const path of fillIn) {
    const segments = path.split('.');
    const parent = doc.getIn(segments.slice(0, -1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segments.at(-1));
    if (pair && isScalar(pair.key)) (pair.key as Node).commentBefore = ` ${(FILL_IN[path] ?? 'FILL IN').replace(/\n/g, '\n ')}`;
  }
  return doc.toString({ nullStr: '', lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------------------
// Export

export interface ExportResult {
  /** Multi-document YAML: per contract a Service, then an SLI and an SLO per objective. */
  text: string;
  /** What other tools will not read: carried only in slo-contracts.dev annotations. */
  notes: string[];
}

/** The OpenSLO documents for a contract's objective, named `<contract>-<objective>` (at most 63 characters). */
function documentName(contract: string, objective: string, taken: Set<string>): string {
  let base = `${contract}-${objective}`.slice(0, 63).replace(/-+$/, '');
  for (let n = 2; taken.has(base); n++) base = `${`${contract}-${objective}`.slice(0, 60).replace(/-+$/, '')}-${n}`;
  taken.add(base);
  return base;
}

function metricSourceOut(m: { namespace: string; metric: string; dimensions: Record<string, string> }, stat: string): Rec {
  const dims = Object.entries(m.dimensions).map(([name, value]) => ({ name, value }));
  return {
    metricSource: {
      type: 'CloudWatch',
      spec: { namespace: m.namespace, metricName: m.metric, stat, ...(dims.length > 0 ? { dimensions: dims } : {}) },
    },
  };
}

const statIn = (m: MetricStat) => metricSourceOut(m, m.stat);

/** Writes contracts as OpenSLO v1. Pure; the text is the same for the same contracts. */
export function exportOpenslo(contracts: readonly { file: string; contract: Contract }[]): ExportResult {
  const docs: Rec[] = [];
  const notes: string[] = [];
  const taken = new Set<string>();
  for (const { file, contract } of contracts) {
    const name = contract.metadata.name;
    const spec = contract.spec;
    const annotations: Record<string, string> = {
      [ANNOTATIONS.owner]: contract.metadata.owner,
      [ANNOTATIONS.reviewBy]: spec.reviewBy,
      [ANNOTATIONS.signedOff]: JSON.stringify(spec.signedOff),
      [ANNOTATIONS.policy]: JSON.stringify(spec.policy),
      [ANNOTATIONS.gates]: JSON.stringify(spec.gates),
      [ANNOTATIONS.notify]: JSON.stringify(spec.notify),
      [ANNOTATIONS.exclusions]: JSON.stringify(spec.exclusions),
      [ANNOTATIONS.minEvents]: JSON.stringify(spec.minEvents),
    };
    docs.push({
      apiVersion: OPENSLO_API_VERSION,
      kind: 'Service',
      metadata: { name, displayName: name, annotations },
      spec: { description: contract.metadata.journey },
    });
    notes.push(
      `${file}: owner, sign-offs, review date, policy, gates, notify, exclusions and minEvents have no OpenSLO field: carried in slo-contracts.dev annotations on Service ${name} (other tools ignore them)`,
    );

    const timeWindow =
      'rolling' in spec.window
        ? [{ duration: /^\d+[mhdw]$/.test(spec.window.rolling) ? spec.window.rolling : `${(tryParseDuration(spec.window.rolling) ?? 0) / DAY_MS}d`, isRolling: true }]
        : [{ duration: spec.window.calendar === 'month' ? '1M' : '1Q', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: 'UTC' } }];

    for (const objective of spec.objectives) {
      const docName = documentName(name, objective.name, taken);
      const sloAnnotations: Record<string, string> = { [ANNOTATIONS.contract]: name, [ANNOTATIONS.objective]: objective.name };
      const { sliSpec, method, extra } = exportSli(objective, sloAnnotations, (n) => notes.push(`${file}: objective ${objective.name}: ${n}`));
      docs.push({ apiVersion: OPENSLO_API_VERSION, kind: 'SLI', metadata: { name: docName }, spec: sliSpec });
      docs.push({
        apiVersion: OPENSLO_API_VERSION,
        kind: 'SLO',
        metadata: { name: docName, displayName: `${name} ${objective.name}`, annotations: sloAnnotations },
        spec: {
          ...(objective.description !== undefined ? { description: objective.description.slice(0, 1050) } : {}),
          service: name,
          indicatorRef: docName,
          timeWindow,
          budgetingMethod: method,
          objectives: [{ displayName: objective.name, target: Number((objective.target / 100).toPrecision(12)), ...extra }],
        },
      });
    }
  }
  const text = docs.map((d) => quotedStrings(new Document(d)).toString({ lineWidth: 0 })).join('---\n');
  return { text, notes };
}

/**
 * Annotation values and calendar start times double-quoted: they are strings in OpenSLO, and a YAML 1.1 reader
 * would otherwise take `2027-02-01` or `2020-01-01 00:00:00` for a timestamp.
 */
function quotedStrings(doc: Document): Document {
  const quote = (node: unknown) => {
    if (isScalar(node) && typeof node.value === 'string') node.type = 'QUOTE_DOUBLE';
  };
  const annotations = doc.getIn(['metadata', 'annotations'], true);
  if (isMap(annotations)) for (const pair of annotations.items) quote(pair.value);
  const windows = doc.getIn(['spec', 'timeWindow'], true);
  if (windows && typeof windows === 'object' && 'items' in windows) {
    for (const w of (windows as { items: unknown[] }).items) if (isMap(w)) quote(w.getIn(['calendar', 'startTime'], true));
  }
  return doc;
}

function exportSli(objective: Objective, annotations: Record<string, string>, note: (n: string) => void): { sliSpec: Rec; method: string; extra: Rec } {
  const sli = objective.sli;
  if (sli.ratio) {
    const numerator = sli.ratio.good ? { good: statIn(sli.ratio.good) } : { bad: statIn(sli.ratio.bad as MetricStat) };
    return { sliSpec: { ratioMetric: { counter: false, ...numerator, total: statIn(sli.ratio.total) } }, method: 'Occurrences', extra: {} };
  }
  if (sli.latency) {
    const m = sli.latency.metric;
    const thresholdMs = tryParseDuration(sli.latency.threshold) ?? 0;
    // The evaluator's own statistics: good = TC(:threshold in the metric's unit), total = SampleCount.
    const inUnit = Number((m.unit === 'seconds' ? thresholdMs / 1000 : thresholdMs).toPrecision(12));
    annotations[ANNOTATIONS.latencyUnit] = m.unit;
    annotations[ANNOTATIONS.latencyThreshold] = sli.latency.threshold;
    return {
      sliSpec: { ratioMetric: { counter: false, good: metricSourceOut(m, `TC(:${inUnit})`), total: metricSourceOut(m, 'SampleCount') } },
      method: 'Occurrences',
      extra: {},
    };
  }
  const t = sli.timeslice as NonNullable<typeof sli.timeslice>;
  const match = COMPARISON_PATTERN.exec(t.good);
  const op = match ? OPS_BACK[match[1] as string] : undefined;
  if (t.noData !== 'skip') annotations[ANNOTATIONS.noData] = t.noData;
  const periodMs = tryParseDuration(t.period) ?? MINUTE_MS;
  const extra: Rec = { timeSliceTarget: 1, timeSliceWindow: formatDuration(periodMs) };
  if (op && match) {
    extra.op = op;
    extra.value = Number(match[2]);
  } else {
    annotations[ANNOTATIONS.good] = t.good;
    note(`comparison "${t.good}" has no OpenSLO op (lte, lt, gte, gt): carried only in the ${ANNOTATIONS.good} annotation`);
  }
  if (t.noData !== 'skip') note(`noData: ${t.noData} has no OpenSLO field: carried in the ${ANNOTATIONS.noData} annotation`);
  return { sliSpec: { thresholdMetric: statIn(t.metric) }, method: 'Timeslices', extra };
}
