/**
 * The SLO contract: the schema every contract file must satisfy, and the types the rest of the code
 * reads. Pure: no I/O here (the loader in functions/contracts reads files and YAML).
 *
 * Units, once and for all:
 * - `target` and tier thresholds (`above`) are PERCENT (99.9 means 99.9 %), never ratios.
 * - durations are human text (`30d`, `5m`, `300ms`) parsed by ./duration.ts into milliseconds.
 * - dates (`on`, `reviewBy`) are calendar days `YYYY-MM-DD`; instants (`exclusions`) are ISO 8601 UTC.
 */
import { z } from 'zod';
import { DAY_MS, DURATION_PATTERN, HOUR_MS, MINUTE_MS, tryParseDuration } from './duration.ts';
import { COMPARISON_PATTERN } from './model.ts';

export const API_VERSION = 'slo-contracts/v1';
export const KIND = 'SloContract';

// The pattern (abort: stop at the first failure) also lands in the JSON Schema, so editors flag `5x` as it is typed.
const durationText = (what: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, { message: `${what} must be a positive duration such as 300ms, 5m, 6h or 30d`, abort: true })
    .refine((s) => tryParseDuration(s) !== undefined, {
      message: `${what} must be a positive duration such as 300ms, 5m, 6h or 30d`,
    });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date written YYYY-MM-DD', abort: true })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real calendar date',
  });

const isoInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'must be an ISO 8601 instant with a zone, e.g. 2026-12-24T00:00:00Z',
    abort: true,
  })
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'is not a real instant' });

const name = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: 'use lower-case letters, digits and dashes (e.g. checkout-api), starting and ending with a letter or digit',
  });

const nonEmpty = z.string().trim().min(1, { message: 'must not be empty' });

/** An AWS account ID: exactly 12 digits, written as text (quote it in YAML: `account: "123456789012"`). */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** An AWS Region code such as eu-west-1, us-gov-west-1 or ap-southeast-2. */
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, { message: 'must be a 12-digit AWS account ID written in quotes, e.g. "123456789012"' });

const region = z
  .string()
  .regex(REGION_PATTERN, { message: 'must be an AWS Region code such as eu-west-1 or us-gov-west-1' });

/** A CloudWatch metric as GetMetricData names it. */
export const MetricRefSchema = z.strictObject({
  namespace: nonEmpty.describe('CloudWatch namespace, e.g. AWS/ApplicationELB'),
  metric: nonEmpty.describe('CloudWatch metric name, e.g. RequestCount'),
  dimensions: z
    .record(z.string().min(1), z.string().min(1))
    .refine((d) => Object.keys(d).length <= 30, { message: 'CloudWatch allows at most 30 dimensions' })
    .default({})
    .describe('Dimension name -> value, exactly as published'),
  account: accountId
    .optional()
    .describe('Account the metric lives in, read through CloudWatch cross-account observability from a monitoring account (GetMetricData AccountId); omit for the stack\'s own account'),
});

/** A metric plus the statistic to read it with. */
export const MetricStatSchema = MetricRefSchema.extend({
  stat: z
    .string()
    .regex(/^(Sum|Average|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?|tc\d.*|TC\(.*\))$/, {
      message: 'must be a CloudWatch statistic: Sum, Average, Minimum, Maximum, SampleCount or a percentile like p99',
    })
    .default('Sum'),
});

/** Occurrences: good/total or bad/total. Exactly one of good and bad. */
export const RatioSliSchema = z
  .strictObject({
    good: MetricStatSchema.optional().describe('Events that met the objective'),
    bad: MetricStatSchema.optional().describe('Events that failed the objective (alternative to good)'),
    total: MetricStatSchema.describe('All events'),
  })
  .superRefine((v, ctx) => {
    if (v.good && v.bad) ctx.addIssue({ code: 'custom', message: 'give either good or bad, not both', path: ['bad'] });
    if (!v.good && !v.bad) ctx.addIssue({ code: 'custom', message: 'give good (or bad) events as well as total', path: ['good'] });
  });

/** Latency: share of requests at or under the threshold, good = TC(:threshold), total = SampleCount. */
export const LatencySliSchema = z.strictObject({
  metric: MetricRefSchema.extend({
    // Required: a milliseconds metric read as seconds would count nothing as fast (TC(:0.3) on 300 ms requests).
    unit: z
      .enum(['seconds', 'milliseconds'])
      .describe('Unit the metric is published in (required): ALB TargetResponseTime is seconds, API Gateway Latency milliseconds'),
  }),
  threshold: durationText('threshold').describe('Requests at or under this latency are good, e.g. 300ms'),
});

export { COMPARISON_PATTERN };

/** Timeslice: share of good periods, e.g. synthetic checks. */
export const TimesliceSliSchema = z.strictObject({
  metric: MetricStatSchema.extend({ stat: MetricStatSchema.shape.stat.default('Average') }),
  good: z
    .string()
    .regex(COMPARISON_PATTERN, { message: 'must be a comparison such as ">= 100" or "< 0.5"' })
    .describe('A period is good when its statistic satisfies this comparison'),
  period: durationText('period')
    .refine((s) => (tryParseDuration(s) ?? 0) % MINUTE_MS === 0, {
      message: 'period must be a whole number of minutes (CloudWatch periods are multiples of 60 s)',
      abort: true,
    })
    .refine((s) => HOUR_MS % (tryParseDuration(s) ?? 1) === 0, {
      message: 'period must divide an hour (1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 60m), so slices line up with hours and days',
    })
    .default('1m'),
  noData: z
    .enum(['skip', 'good', 'bad'])
    .default('skip')
    .describe('How a period without data counts: skip it (default), or count it good or bad'),
});

export const SliSchema = z
  .strictObject({
    ratio: RatioSliSchema.optional(),
    latency: LatencySliSchema.optional(),
    timeslice: TimesliceSliSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const kinds = (['ratio', 'latency', 'timeslice'] as const).filter((k) => v[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'give one SLI kind: ratio, latency or timeslice'
            : `give exactly one SLI kind, not ${kinds.join(' and ')}`,
      });
    }
  });

export const ObjectiveSchema = z.strictObject({
  name,
  description: z.string().optional(),
  target: z
    .number({ message: 'target must be a number in percent, e.g. 99.9' })
    .gt(0, { message: 'must be above 0 (percent)' })
    .lt(100, { message: 'must be below 100: a 100 % target leaves no error budget' })
    .describe('Target in PERCENT, e.g. 99.9'),
  sli: SliSchema,
});

export const FREEZE_LEVELS = ['none', 'non-critical', 'all'] as const;
export type FreezeLevel = (typeof FREEZE_LEVELS)[number];
export const SEVERITIES = ['info', 'ticket', 'page'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const TierSchema = z.strictObject({
  name,
  above: z
    .number()
    .min(0, { message: 'must be between 0 and 100 (percent of budget remaining)' })
    .max(100, { message: 'must be between 0 and 100 (percent of budget remaining)' })
    .optional()
    .describe('This tier applies while remaining budget (percent) is above this; omit on the last tier'),
  notify: z.array(name).default([]).describe('Audiences told of a change into this tier, e.g. [leadership]'),
  freeze: z.enum(FREEZE_LEVELS).default('none').describe('Which gates freeze in this tier'),
  severity: z.enum(SEVERITIES).optional().describe('Severity of a change into this tier (default: page for a tier that freezes all, info otherwise)'),
});

export const DEFAULT_TIERS: z.input<typeof TierSchema>[] = [
  { name: 'healthy', above: 50 },
  { name: 'warning', above: 25, notify: ['leadership'] },
  { name: 'frozen', above: 0, freeze: 'non-critical' },
  { name: 'exhausted', freeze: 'all' },
];

/** The message for a contract without a policy: it is required, and `policy: {}` takes the default tiers. */
export const POLICY_REQUIRED_MESSAGE =
  'is required: every contract states its error-budget policy; write `policy: {}` to take the default tiers (healthy above 50 %, warning above 25 % telling leadership, frozen above 0 % freezing non-critical gates, exhausted freezing all)';

export const PolicySchema = z
  .strictObject({
    tiers: z.array(TierSchema).min(1).default(DEFAULT_TIERS.map((t) => TierSchema.parse(t))),
    recoveryMargin: z
      .number()
      .min(0)
      .max(50)
      .default(5)
      .describe('Points (percent of budget) above a threshold needed to step back up to a better tier'),
  }, {
    // Missing or empty (`policy:`): say how to get the defaults. Other issues keep their own messages.
    error: (issue) => (issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null) ? POLICY_REQUIRED_MESSAGE : undefined),
  })
  .superRefine((policy, ctx) => {
    const tiers = policy.tiers;
    const seen = new Set<string>();
    tiers.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', message: `duplicate tier name "${t.name}"`, path: ['tiers', i, 'name'] });
      seen.add(t.name);
      const last = i === tiers.length - 1;
      if (last && t.above !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'the last tier catches everything below the others: remove its "above"', path: ['tiers', i, 'above'] });
      }
      if (!last && t.above === undefined) {
        ctx.addIssue({ code: 'custom', message: 'every tier but the last needs "above" (percent of budget remaining)', path: ['tiers', i, 'above'] });
      }
      const prev = tiers[i - 1];
      if (prev && prev.above !== undefined && t.above !== undefined && t.above >= prev.above) {
        ctx.addIssue({
          code: 'custom',
          message: `thresholds must fall from first tier to last: ${t.above} is not below "${prev.name}" (${prev.above})`,
          path: ['tiers', i, 'above'],
        });
      }
      if (prev && FREEZE_LEVELS.indexOf(t.freeze) < FREEZE_LEVELS.indexOf(prev.freeze)) {
        ctx.addIssue({
          code: 'custom',
          message: `a worse tier cannot freeze less than a better one: "${t.name}" freezes ${t.freeze} after "${prev.name}" froze ${prev.freeze}`,
          path: ['tiers', i, 'freeze'],
        });
      }
    });
  });

export const GateSchema = z.strictObject({
  pipeline: z
    .string()
    .regex(/^[A-Za-z0-9.@\-_]{1,100}$/, { message: 'must be a CodePipeline name (letters, digits, . @ - _, up to 100)' }),
  stage: z
    .string()
    .regex(/^[A-Za-z0-9.@\-_]{1,100}$/, { message: 'must be a CodePipeline stage name (letters, digits, . @ - _, up to 100)' }),
  critical: z.boolean().default(false).describe('Critical pipelines freeze only when the budget is exhausted'),
  account: accountId
    .optional()
    .describe('Account the pipeline lives in; the evaluator assumes the gate role there (deploy SloGateAccess in that account). Omit for the stack\'s own account'),
  region: region.optional().describe('Region the pipeline lives in; omit for the stack\'s own region'),
});

/** Where a gate lives and which transition it is: `[account/][region/]pipeline/stage`, unique within a contract. */
export function gateKey(g: { pipeline: string; stage: string; account?: string | undefined; region?: string | undefined }): string {
  return [g.account, g.region, g.pipeline, g.stage].filter((p) => p !== undefined).join('/');
}

export const NotifySchema = z.strictObject({
  email: z.array(z.email({ message: 'must be an email address' })).default([]),
  pager: z
    .strictObject({
      ssmParameter: z
        .string()
        .regex(/^\/[A-Za-z0-9_.\-/]+$/, { message: 'must be an SSM parameter name starting with /, e.g. /oncall/pagerduty-url' })
        .describe('SSM parameter holding the pager HTTPS endpoint (secrets never live in the contract)'),
    })
    .optional(),
});

export const ExclusionSchema = z
  .strictObject({ from: isoInstant, to: isoInstant, reason: nonEmpty })
  .refine((e) => Date.parse(e.from) < Date.parse(e.to), { message: '"to" must be after "from"', path: ['to'] });

export const WindowSchema = z.union([
  z.strictObject({
    rolling: durationText('rolling window')
      .refine((s) => (tryParseDuration(s) ?? 0) % DAY_MS === 0, { message: 'a rolling window is a whole number of days, e.g. 28d or 30d' })
      .refine((s) => (tryParseDuration(s) ?? 0) <= 90 * DAY_MS, { message: 'a rolling window is at most 90d' }),
  }),
  z.strictObject({ calendar: z.enum(['month', 'quarter']) }),
]);

export const SignOffSchema = z.strictObject({
  role: z.enum(['engineering', 'product', 'business']),
  by: nonEmpty,
  on: isoDate,
});

export const SpecSchema = z.strictObject({
  signedOff: z.array(SignOffSchema).superRefine((list, ctx) => {
    for (const role of ['engineering', 'product', 'business'] as const) {
      if (!list.some((s) => s.role === role)) {
        ctx.addIssue({ code: 'custom', message: `missing sign-off by ${role}: engineering, product and business must all sign` });
      }
    }
  }),
  reviewBy: isoDate.describe('Renegotiation date; overdue reviews are reported'),
  window: WindowSchema,
  objectives: z
    .array(ObjectiveSchema)
    .min(1, { message: 'give at least one objective' })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((o, i) => {
        if (seen.has(o.name)) ctx.addIssue({ code: 'custom', message: `duplicate objective name "${o.name}"`, path: [i, 'name'] });
        seen.add(o.name);
      });
    }),
  policy: PolicySchema,
  gates: z
    .array(GateSchema)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((g, i) => {
        const key = gateKey(g);
        if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate gate ${key}`, path: [i] });
        seen.add(key);
      });
    }),
  notify: NotifySchema.default({ email: [] }),
  exclusions: z.array(ExclusionSchema).default([]),
  minEvents: z
    .number()
    .int({ message: 'must be a whole number of events' })
    .min(0)
    .default(100)
    .describe(
      'Evidence threshold: below this many events in a burn look-back its alerts stay quiet, and below this many events in the budget window the tier does not fall (ratio and latency SLIs)',
    ),
  burnRateMetrics: z
    .boolean()
    .default(false)
    .describe('Also publish burn rates (1h, 6h, 3d) as CloudWatch custom metrics for this contract (3 more custom metrics per objective); budget remaining is always published'),
});

export const ContractSchema = z.strictObject({
  $schema: z.string().optional(),
  apiVersion: z.literal(API_VERSION, { message: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { message: `must be ${KIND}` }),
  metadata: z.strictObject({
    name: name.describe('Unique contract name'),
    journey: nonEmpty.describe('The user journey, in words'),
    owner: nonEmpty.describe('Owning team'),
  }),
  spec: SpecSchema,
});

/** A validated contract, defaults filled in. */
export type Contract = z.output<typeof ContractSchema>;
/** A contract as written (defaults optional). */
export type ContractInput = z.input<typeof ContractSchema>;
export type Objective = Contract['spec']['objectives'][number];
export type Tier = z.output<typeof TierSchema>;
export type Policy = Contract['spec']['policy'];
export type Gate = z.output<typeof GateSchema>;
export type ContractWindow = z.output<typeof WindowSchema>;
export type MetricStat = z.output<typeof MetricStatSchema>;
export type Exclusion = z.output<typeof ExclusionSchema>;
export type Sli = Objective['sli'];
