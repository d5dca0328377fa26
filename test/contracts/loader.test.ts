import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONTRACT_FOLDER_RULE,
  ContractValidationError,
  formatIssue,
  formatPath,
  loadContracts,
  loadContractsOrThrow,
  parseContractText,
  ratioTargetAdvice,
  type ContractIssue,
} from '../../functions/contracts/loader.ts';

// vitest runs with cwd = repo root, so relative paths here are also what the loader shows in messages.
const FIX = 'test/contracts/fixtures';
const BAD = `${FIX}/bad`;
const NOW = Date.parse('2026-11-26T00:00:00Z');

/** fixture -> the `path: ` the message must name (after `file: `) and a fragment of the message. */
const BAD_CASES: [fixture: string, path: string, fragment: string][] = [
  ['target-100', 'spec.objectives[0].target', 'must be below 100'],
  ['target-0', 'spec.objectives[1].target', 'must be above 0'],
  ['target-negative', 'spec.objectives[0].target', 'must be above 0'],
  ['target-percent-string', 'spec.objectives[0].target', 'must be a number in percent'],
  ['unknown-key-top', 'status', 'unknown key "status"'],
  ['unknown-key-metadata', 'metadata.team', 'unknown key "team" (allowed here: name, journey, owner)'],
  ['unknown-key-spec-typo', 'spec.objective', 'unknown key "objective": did you mean "objectives"?'],
  ['unknown-key-metric', 'spec.objectives[0].sli.ratio.total.period', 'unknown key "period"'],
  ['unknown-key-tier', 'spec.policy.tiers[0].colour', 'unknown key "colour"'],
  ['duration-negative', 'spec.objectives[1].sli.latency.threshold', 'must be a positive duration'],
  ['duration-bad-unit', 'spec.objectives[1].sli.latency.threshold', 'must be a positive duration'],
  ['duration-number', 'spec.objectives[1].sli.latency.threshold', 'must be text, not the number 300'],
  ['window-zero', 'spec.window.rolling', 'must be a positive duration'],
  ['window-not-whole-days', 'spec.window.rolling', 'whole number of days'],
  ['window-too-long', 'spec.window.rolling', 'at most 90d'],
  ['window-calendar-week', 'spec.window.calendar', 'must be one of "month", "quarter", not the text "week"'],
  ['window-empty', 'spec.window', 'give exactly one of: rolling, calendar'],
  ['window-both', 'spec.window', 'give exactly one of: rolling, calendar'],
  ['window-rolling-number', 'spec.window.rolling', 'must be text, not the number 30'],
  ['tiers-out-of-order', 'spec.policy.tiers[1].above', '60 is not below "healthy" (50)'],
  ['tier-duplicate-name', 'spec.policy.tiers[2].name', 'duplicate tier name "warning"'],
  ['tier-last-with-above', 'spec.policy.tiers[3].above', 'remove its "above"'],
  ['tier-missing-above', 'spec.policy.tiers[1].above', 'every tier but the last needs "above"'],
  ['tier-freeze-goes-down', 'spec.policy.tiers[3].freeze', 'cannot freeze less'],
  ['tier-freeze-unknown', 'spec.policy.tiers[2].freeze', 'must be one of "none", "non-critical", "all"'],
  ['recovery-margin-too-big', 'spec.policy.recoveryMargin', 'must be at most 50'],
  ['objective-duplicate-name', 'spec.objectives[1].name', 'duplicate objective name "availability"'],
  ['objective-name-uppercase', 'spec.objectives[1].name', 'use lower-case letters'],
  ['objectives-empty', 'spec.objectives', 'give at least one objective'],
  ['signoff-missing-role', 'spec.signedOff', 'missing sign-off by business'],
  ['signoff-unknown-role', 'spec.signedOff[2].role', 'not the text "legal"'],
  ['signoff-bad-date', 'spec.signedOff[0].on', 'is not a real calendar date'],
  ['review-date-format', 'spec.reviewBy', 'must be a date written YYYY-MM-DD'],
  ['ratio-good-and-bad', 'spec.objectives[0].sli.ratio.bad', 'either good or bad, not both'],
  ['ratio-only-total', 'spec.objectives[0].sli.ratio.good', 'give good (or bad) events'],
  ['sli-no-kind', 'spec.objectives[1].sli', 'give one SLI kind'],
  ['sli-two-kinds', 'spec.objectives[1].sli', 'not ratio and latency'],
  ['stat-unknown', 'spec.objectives[0].sli.ratio.total.stat', 'must be a CloudWatch statistic'],
  ['latency-unit-unknown', 'spec.objectives[1].sli.latency.metric.unit', 'not the text "microseconds"'],
  ['latency-unit-missing', 'spec.objectives[1].sli.latency.metric.unit', 'must be one of "seconds", "milliseconds"'],
  ['dimension-empty-value', 'spec.objectives[1].sli.latency.metric.dimensions.LoadBalancer', 'must not be empty'],
  ['timeslice-bad-comparison', 'spec.objectives[1].sli.timeslice.good', 'must be a comparison'],
  ['timeslice-period-seconds', 'spec.objectives[1].sli.timeslice.period', 'whole number of minutes'],
  ['timeslice-period-not-dividing-hour', 'spec.objectives[1].sli.timeslice.period', 'must divide an hour'],
  ['timeslice-nodata-unknown', 'spec.objectives[1].sli.timeslice.noData', 'not the text "ignore"'],
  ['email-invalid', 'spec.notify.email[0]', 'must be an email address'],
  ['ssm-parameter-no-slash', 'spec.notify.pager.ssmParameter', 'starting with /'],
  ['gate-bad-pipeline-name', 'spec.gates[0].pipeline', 'must be a CodePipeline name'],
  ['gate-duplicate', 'spec.gates[1]', 'duplicate gate shop-web/Production'],
  ['gate-critical-text', 'spec.gates[0].critical', 'must be true or false, not the text "no"'],
  ['gate-account-short', 'spec.gates[0].account', 'must be a 12-digit AWS account ID written in quotes'],
  ['gate-account-number', 'spec.gates[0].account', 'must be text, not the number 123456789012'],
  ['gate-region-bad', 'spec.gates[0].region', 'must be an AWS Region code such as eu-west-1'],
  ['metric-account-bad', 'spec.objectives[0].sli.ratio.total.account', 'must be a 12-digit AWS account ID'],
  ['exclusion-to-before-from', 'spec.exclusions[0].to', '"to" must be after "from"'],
  ['exclusion-no-zone', 'spec.exclusions[0].from', 'ISO 8601 instant with a zone'],
  ['api-version-bad', 'apiVersion', 'must be slo-contracts/v1'],
  ['kind-bad', 'kind', 'must be SloContract'],
  ['name-uppercase', 'metadata.name', 'use lower-case letters'],
  ['journey-missing', 'metadata.journey', 'is required'],
  ['policy-missing', 'spec.policy', 'is required'],
  ['min-events-fraction', 'spec.minEvents', 'whole number of events'],
  ['spec-null', 'spec', 'must be a mapping (key: value lines), not empty'],
  // Whole-file problems: no path, the message carries the YAML position where there is one.
  ['yaml-syntax', '', 'line 6, column 12: Nested mappings are not allowed'],
  ['yaml-tab-indent', '', 'line 13, column 1: Tabs are not allowed as indentation'],
  ['yaml-bad-indent', '', 'line 13, column 1: All mapping items must start at the same column'],
  ['yaml-duplicate-key', '', 'line 18, column 7: Map keys must be unique'],
  ['multi-document', '', 'line 43, column 1: the file holds 2 YAML documents'],
  ['empty', '', 'the file is empty'],
  ['comments-only', '', 'the file is empty'],
  ['top-level-list', '', 'a contract is a YAML mapping that starts with `apiVersion: slo-contracts/v1`, not a list'],
];

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slo-loader-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

const GOOD_TEXT = readFileSync(`${FIX}/good/payments.yaml`, 'utf8');
function contractText(name: string, edit: (t: string) => string = (t) => t): string {
  return edit(GOOD_TEXT.replace('  name: payments\n', `  name: ${name}\n`));
}

describe('formatIssue / formatPath', () => {
  it('writes file: path: message, and file: message without a path', () => {
    expect(formatIssue({ file: 'contracts/checkout.yaml', path: 'spec.objectives[1].target', message: 'must be below 100' })).toBe(
      'contracts/checkout.yaml: spec.objectives[1].target: must be below 100',
    );
    expect(formatIssue({ file: 'contracts/a.yaml', path: '', message: 'the file is empty' })).toBe('contracts/a.yaml: the file is empty');
  });

  it('indexes arrays with brackets and quotes keys that are not identifiers', () => {
    expect(formatPath(['spec', 'objectives', 1, 'target'])).toBe('spec.objectives[1].target');
    expect(formatPath(['spec', 'gates', 0])).toBe('spec.gates[0]');
    expect(formatPath(['dimensions', 'Load Balancer'])).toBe('dimensions["Load Balancer"]');
    expect(formatPath([])).toBe('');
  });
});

describe('malformed contracts: each fixture names the file and the path', () => {
  it.each(BAD_CASES)('%s -> %s', (fixture, where, fragment) => {
    const file = `${BAD}/${fixture}.yaml`;
    const { contracts, errors } = loadContracts(file, { nowMs: NOW });
    expect(contracts).toEqual([]);
    const lines = errors.map(formatIssue);
    const prefix = where === '' ? `${file}: ` : `${file}: ${where}: `;
    const hit = lines.find((l) => l.startsWith(prefix) && l.includes(fragment));
    expect(hit, `expected "${prefix}...${fragment}" among:\n${lines.join('\n')}`).toBeDefined();
    // A whole-file problem really has no path; a located one really carries this path.
    expect(errors.some((e) => e.path === where)).toBe(true);
  });

  it('the table covers every file in fixtures/bad (no untested fixture, no missing one)', () => {
    const files = readdirSync(BAD).map((f) => f.replace(/\.yaml$/, '')).sort();
    const tabled = [...BAD_CASES.map((c) => c[0]), 'many-errors'].sort();
    expect(files).toEqual(tabled);
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it('loading the whole bad folder reports every file and returns no contract', () => {
    const { contracts, errors } = loadContracts(`${BAD}/`, { nowMs: NOW });
    expect(contracts).toEqual([]);
    const files = new Set(errors.map((e) => e.file));
    expect(files.size).toBe(readdirSync(BAD).length);
    expect([...files].every((f) => f.startsWith(`${BAD}/`) && f.endsWith('.yaml'))).toBe(true);
  });

  it('reports every error of a file with several, in file order, with line numbers', () => {
    const file = `${BAD}/many-errors.yaml`;
    const { errors } = loadContracts(file, { nowMs: NOW });
    expect(errors.map((e) => [e.path, e.line])).toEqual([
      ['metadata.team', 8],
      ['spec.objectives[0].target', 18],
      ['spec.objectives[1].sli.latency.threshold', 28],
      ['spec.policy.tiers[1].above', 32],
      ['spec.notify.email[0]', 39],
    ]);
    expect(errors.every((e) => e.file === file)).toBe(true);
  });

  it('reports a second YAML document even when the first is a valid contract, and loads neither', () => {
    const { contracts, errors } = loadContracts(`${BAD}/multi-document.yaml`, { nowMs: NOW });
    expect(contracts).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

describe('many accounts', () => {
  it('a gate may name its account and region and a metric its account; the same stage in two accounts is two gates', () => {
    const dir = tmpDir();
    const text = contractText('payments', (t) =>
      t
        .replace(
          '    - { pipeline: shop-web, stage: Production, critical: false }',
          [
            '    - { pipeline: shop-web, stage: Production, critical: false }',
            '    - { pipeline: shop-web, stage: Production, critical: false, account: "111122223333" }',
            '    - { pipeline: shop-web, stage: Production, critical: false, account: "444455556666", region: us-gov-west-1 }',
          ].join('\n'),
        )
        .replace('total: { namespace: AWS/ApplicationELB, metric: RequestCount, stat: Sum }', 'total: { namespace: AWS/ApplicationELB, metric: RequestCount, stat: Sum, account: "012345678901" }'),
    );
    writeFileSync(path.join(dir, 'payments.yaml'), text);
    const { contracts, errors } = loadContracts(dir, { nowMs: NOW });
    expect(errors).toEqual([]);
    const spec = contracts[0]?.contract.spec;
    expect(spec?.gates.slice(-2).map((g) => [g.account, g.region])).toEqual([
      ['111122223333', undefined],
      ['444455556666', 'us-gov-west-1'],
    ]);
    const ratio = spec?.objectives[0]?.sli.ratio;
    // A leading zero survives: the account stays text.
    expect(ratio?.total.account).toBe('012345678901');
    expect(ratio?.good?.account).toBeUndefined();
  });

  it('the same stage twice in one account is still a duplicate, named with its account', () => {
    const dir = tmpDir();
    const gate = '    - { pipeline: shop-web, stage: Production, critical: false, account: "111122223333" }';
    writeFileSync(
      path.join(dir, 'payments.yaml'),
      contractText('payments', (t) => t.replace('    - { pipeline: shop-web, stage: Production, critical: false }', `${gate}\n${gate}`)),
    );
    const lines = loadContracts(dir, { nowMs: NOW }).errors.map(formatIssue);
    expect(lines).toEqual([expect.stringMatching(/payments\.yaml: spec\.gates\[\d\]: duplicate gate 111122223333\/shop-web\/Production$/)]);
  });
});

describe('folders', () => {
  it('loads the example contracts in contracts/ without errors or warnings (as of 2026-11-26)', () => {
    const { contracts, errors, warnings } = loadContracts('contracts/', { nowMs: NOW });
    expect(errors.map(formatIssue)).toEqual([]);
    expect(warnings.map(formatIssue)).toEqual([]);
    expect(contracts.map((c) => [c.file, c.contract.metadata.name])).toEqual([
      ['contracts/canary.yaml', 'storefront-canary'],
      ['contracts/checkout.yaml', 'checkout'],
      ['contracts/login.yaml', 'login'],
    ]);
    const checkout = contracts[1]?.contract;
    // The latency threshold stays text here; the defaults are filled in by the schema.
    expect(checkout?.spec.objectives[1]?.sli.latency?.threshold).toBe('300ms');
    expect(checkout?.spec.gates.find((g) => g.pipeline === 'shop-payments')?.critical).toBe(true);
    expect(contracts[2]?.contract.spec.policy.tiers.map((t) => t.name)).toEqual(['healthy', 'warning', 'frozen', 'exhausted']);
  });

  it('in a folder of good and bad files reports only the bad, loads the good, skips non-YAML files and _-prefixed folders', () => {
    const { contracts, errors } = loadContracts(`${FIX}/mixed`, { nowMs: NOW });
    expect(contracts.map((c) => c.file)).toEqual([`${FIX}/mixed/a-checkout.yaml`, `${FIX}/mixed/c-search.yml`]);
    expect(errors.map(formatIssue)).toEqual([
      `${FIX}/mixed/b-broken.yaml: spec.objectives[0].target: must be below 100: a 100 % target leaves no error budget`,
    ]);
  });

  it('flags a contract name used by an earlier file, on the later files, even one with other errors', () => {
    const dir = `${FIX}/duplicates`;
    const { contracts, errors } = loadContracts(dir, { nowMs: NOW });
    expect(contracts.map((c) => c.file)).toEqual([`${dir}/first.yaml`]);
    const dupes = errors.filter((e) => e.path === 'metadata.name');
    expect(dupes.map((e) => e.file)).toEqual([`${dir}/second.yaml`, `${dir}/third.yaml`]);
    expect(dupes[0]?.message).toContain(`duplicate contract name "payments" (also used by ${dir}/first.yaml)`);
    expect(errors.some((e) => e.file === `${dir}/third.yaml` && e.path === 'spec.objectives[0].target')).toBe(true);
  });

  it('tells the user what to pass for a missing path or a folder without contracts', () => {
    const missing = loadContracts('no/such/contracts/', { nowMs: NOW });
    expect(missing.errors.map(formatIssue)).toEqual([
      'no/such/contracts/: no such file or folder: pass a contract file (.yaml) or a folder of them, e.g. `slo validate contracts/`',
    ]);
    const empty = tmpDir();
    writeFileSync(path.join(empty, 'notes.txt'), 'not a contract');
    const none = loadContracts(empty, { nowMs: NOW });
    expect(none.contracts).toEqual([]);
    expect(none.errors).toHaveLength(1);
    expect(none.errors[0]?.file).toBe(empty); // outside cwd: shown as given
    expect(none.errors[0]?.message).toMatch(/^no contract files \(\*\.yaml, \*\.yml\) in this folder or its subfolders: pass a contract file/);
  });

  it('reads subfolders at any depth, sorted by path, skipping folders that start with . or _ (the rule cdk synth uses too)', () => {
    const dir = `${FIX}/nested`;
    const { contracts, errors } = loadContracts(dir, { nowMs: NOW });
    expect(errors.map(formatIssue)).toEqual([]);
    const expected = [
      [`${dir}/team-a/deeper/deep.yml`, 'team-a-deep'],
      [`${dir}/team-a/pay.yaml`, 'team-a-pay'],
      [`${dir}/top.yaml`, 'top-level'],
    ];
    expect(contracts.map((c) => [c.file, c.contract.metadata.name])).toEqual(expected);
    // The CDK app loads through loadContractsOrThrow: the same files.
    expect(loadContractsOrThrow(dir).map((c) => [c.file, c.contract.metadata.name])).toEqual(expected);
    expect(CONTRACT_FOLDER_RULE).toContain('subfolders');
  });

  it('does not follow a symbolic link to a folder (no cycles), but reads a link to a file', () => {
    const dir = tmpDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'a.yaml'), contractText('linked-a'));
    symlinkSync(dir, path.join(dir, 'sub', 'loop'));
    symlinkSync(path.join(dir, 'sub', 'a.yaml'), path.join(dir, 'b.yaml'));
    const { contracts, errors } = loadContracts(dir, { nowMs: NOW });
    // b.yaml is a link to the same file as sub/a.yaml: one contract name, read twice -> the second is a duplicate name.
    expect(contracts.map((c) => path.relative(dir, c.file))).toEqual(['b.yaml']);
    expect(errors.map((e) => [path.relative(dir, e.file), e.path])).toEqual([['sub/a.yaml', 'metadata.name']]);
  });

  it('takes many paths (a pre-commit hook passes the staged files), reads a file reached twice once', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'a.yaml'), contractText('a'));
    writeFileSync(path.join(dir, 'b.yaml'), contractText('b'));
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    const { contracts, errors } = loadContracts([a, b, dir, a], { nowMs: NOW });
    expect(errors).toEqual([]);
    expect(contracts.map((c) => c.contract.metadata.name)).toEqual(['a', 'b']);

    const withMissing = loadContracts([a, 'no/such.yaml'], { nowMs: NOW });
    expect(withMissing.contracts.map((c) => c.contract.metadata.name)).toEqual(['a']);
    expect(withMissing.errors.map(formatIssue)).toEqual([
      'no/such.yaml: no such file or folder: pass a contract file (.yaml) or a folder of them, e.g. `slo validate contracts/`',
    ]);
  });

  it('flags a contract name repeated across the paths given', () => {
    const { errors } = loadContracts([`${FIX}/good/payments.yaml`, `${FIX}/duplicates/first.yaml`], { nowMs: NOW });
    expect(errors.map((e) => [e.file, e.path])).toEqual([[`${FIX}/duplicates/first.yaml`, 'metadata.name']]);
  });

  it('shows absolute paths inside the working directory relative to it', () => {
    const { contracts } = loadContracts(path.resolve(`${FIX}/good/payments.yaml`), { nowMs: NOW });
    expect(contracts.map((c) => c.file)).toEqual([`${FIX}/good/payments.yaml`]);
  });
});

describe('warnings (advice, not errors)', () => {
  function writeContracts(files: Record<string, string>): string {
    const dir = tmpDir();
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const messages = (ws: ContractIssue[]) => ws.map((w) => `${path.basename(w.file)}|${w.path}|${w.message}`);

  it('warns about more than five contracts, but not about five', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const six = writeContracts(Object.fromEntries(names.map((n) => [`${n}.yaml`, contractText(n)])));
    const result = loadContracts(six, { nowMs: NOW });
    expect(result.errors).toEqual([]);
    expect(result.contracts).toHaveLength(6);
    expect(result.warnings.map((w) => [w.file, w.path])).toEqual([[six, '']]);
    expect(result.warnings[0]?.message).toMatch(/^6 contracts: more than 5 journeys is noise/);

    const five = writeContracts(Object.fromEntries(names.slice(0, 5).map((n) => [`${n}.yaml`, contractText(n)])));
    expect(loadContracts(five, { nowMs: NOW }).warnings).toEqual([]);
  });

  it('warns about more than two objectives in one contract', () => {
    const three = contractText('three', (t) =>
      t.replace(
        '  policy:\n',
        '    - name: errors\n      target: 99.5\n      sli:\n        ratio:\n          bad: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count }\n          total: { namespace: AWS/ApplicationELB, metric: RequestCount }\n  policy:\n',
      ),
    );
    const dir = writeContracts({ 'three.yaml': three, 'two.yaml': contractText('two') });
    const result = loadContracts(dir, { nowMs: NOW });
    expect(result.errors).toEqual([]);
    expect(messages(result.warnings)).toEqual([
      'three.yaml|spec.objectives|3 objectives: more than 2 per journey is noise; keep the ones users feel (usually availability and latency)',
    ]);
  });

  it('warns when the review date is more than a quarter (92 days) away, and when it has passed', () => {
    const review = (day: string) => (t: string) => t.replace('reviewBy: 2027-02-01', `reviewBy: ${day}`);
    const dir = writeContracts({
      'a-edge.yaml': contractText('a-edge', review('2027-02-26')), // exactly 92 days after 2026-11-26: fine
      'b-lax.yaml': contractText('b-lax', review('2027-02-27')), // 93 days: lax
      'c-today.yaml': contractText('c-today', review('2026-11-26')), // due today: not yet overdue
      'd-overdue.yaml': contractText('d-overdue', review('2026-11-25')),
    });
    const result = loadContracts(dir, { nowMs: NOW + 12 * 3_600_000 }); // 2026-11-26 12:00 UTC
    expect(result.errors).toEqual([]);
    expect(messages(result.warnings)).toEqual([
      'b-lax.yaml|spec.reviewBy|review date 2027-02-27 is 93 days away, more than a quarter (92 days): that is lax, review at least quarterly',
      'd-overdue.yaml|spec.reviewBy|review overdue since 2026-11-25: renegotiate the contract with engineering, product and business, then set a new date',
    ]);
  });

  it('warns about a target that looks like a ratio (0.999 where 99.9 % was meant)', () => {
    const dir = writeContracts({ 'ratio.yaml': contractText('ratio', (t) => t.replace('target: 99.9', 'target: 0.999')) });
    const result = loadContracts(dir, { nowMs: NOW });
    expect(result.errors).toEqual([]);
    expect(messages(result.warnings)).toEqual([
      'ratio.yaml|spec.objectives[0].target|target 0.999 is below 1 %: targets are percent, not ratios; did you mean 99.9 %? (write target: 99.9)',
    ]);
    expect(ratioTargetAdvice(1)).toBeUndefined();
    expect(ratioTargetAdvice(0.5)).toContain('did you mean 50 %?');
    expect(ratioTargetAdvice(0.9995)).toContain('did you mean 99.95 %?');
  });

  it('never warns about files that failed validation', () => {
    const dir = writeContracts({ 'bad.yaml': contractText('bad', (t) => t.replace('target: 99.9', 'target: 100').replace('reviewBy: 2027-02-01', 'reviewBy: 2020-01-01')) });
    const result = loadContracts(dir, { nowMs: NOW });
    expect(result.errors).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });
});

describe('policy is required', () => {
  it('a missing or empty policy says to write `policy: {}` for the default tiers', () => {
    const missing = parseContractText(GOOD_TEXT.replace(/ {2}policy:\n(?: {4}.*\n)+/, ''), 'x.yaml');
    const empty = parseContractText(GOOD_TEXT.replace(/ {2}policy:\n(?: {4}.*\n)+/, '  policy:\n'), 'x.yaml');
    for (const result of [missing, empty]) {
      expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
        'spec.policy: is required: every contract states its error-budget policy; write `policy: {}` to take the default tiers (healthy above 50 %, warning above 25 % telling leadership, frozen above 0 % freezing non-critical gates, exhausted freezing all)',
      ]);
    }
  });

  it('`policy: {}` gives the four default tiers', () => {
    const result = parseContractText(GOOD_TEXT.replace(/ {2}policy:\n(?: {4}.*\n)+/, '  policy: {}\n'), 'x.yaml');
    expect(result.errors).toEqual([]);
    expect(result.contract?.spec.policy.tiers.map((t) => t.name)).toEqual(['healthy', 'warning', 'frozen', 'exhausted']);
  });
});

describe('loadContractsOrThrow', () => {
  it('returns the contracts when all are valid', () => {
    expect(loadContractsOrThrow(`${FIX}/good`).map((c) => c.contract.metadata.name)).toEqual(['payments', 'synthetics']);
  });

  it('throws a ContractValidationError carrying every issue, one formatted issue per line', () => {
    let caught: unknown;
    try {
      loadContractsOrThrow(`${FIX}/duplicates`);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ContractValidationError);
    const error = caught as ContractValidationError;
    expect(error.name).toBe('ContractValidationError');
    expect(error.issues).toHaveLength(3);
    expect(error.message.split('\n')).toEqual(error.issues.map(formatIssue));
  });
});
