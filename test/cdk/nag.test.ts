/**
 * cdk-nag AwsSolutions, run the way the app runs it (a validation plugin on the App). The stack must pass
 * with zero unacknowledged findings; the check is shown to bite on a deliberately non-compliant stack; and
 * every acknowledgement must match a finding that really exists (no stale or blanket acknowledgements).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { SloContractsStack } from '../../lib/slo-contracts-stack.ts';
import { LEADERSHIP, appWithoutBundling, standardContracts, unvalidatedScratch } from './fixtures.ts';

const scratch = unvalidatedScratch();

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs?: { constructPath: string }[];
}

/** Synthesises with AwsSolutionsChecks; returns whether synth threw and every violation in the report. */
function synthWithNag(app: App, outdir: string): { threw: boolean; violations: Violation[] } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let threw = false;
  try {
    app.synth();
  } catch (err) {
    threw = true;
    expect(String(err)).toMatch(/Validation ?failed/i);
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  expect(existsSync(reportFile), 'the validation report must be written whenever a plugin ran').toBe(true);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { violations: Violation[] }[] };
  return { threw, violations: report.pluginReports.flatMap((r) => r.violations) };
}

function newStack(outdir: string): { app: App; stack: SloContractsStack } {
  const app = appWithoutBundling(outdir);
  const stack = new SloContractsStack(app, 'SloContracts', { contracts: standardContracts(), operatorEmails: ['ops@example.com'], audiences: LEADERSHIP });
  return { app, stack };
}

describe('cdk-nag AwsSolutions', () => {
  it('the stack synthesises with zero unacknowledged errors or warnings', () => {
    const outdir = scratch.outdir();
    const { app } = newStack(outdir);
    const { threw, violations } = synthWithNag(app, outdir);
    expect(violations).toEqual([]);
    expect(threw).toBe(false);
  });

  it('the same check fails a deliberately non-compliant stack, naming rule and construct', () => {
    const outdir = scratch.outdir();
    const app = appWithoutBundling(outdir);
    const bad = new Stack(app, 'Bad');
    new sns.Topic(bad, 'PlainTopic');
    new sqs.Queue(bad, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const { threw, violations } = synthWithNag(app, outdir);
    expect(threw).toBe(true);
    const found = violations.map((v) => `${v.ruleName} ${(v.violatingConstructs ?? []).map((c) => c.constructPath).join(',')}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'AwsSolutions-SNS3 Bad/PlainTopic/Resource',
        'AwsSolutions-SQS2 Bad/PlainQueue/Resource',
        'AwsSolutions-SQS4 Bad/PlainQueue/Resource',
      ]),
    );
  });

  it('every acknowledgement matches a real finding on its construct, and carries a specific reason', () => {
    const { stack } = newStack(scratch.outdir());
    // The pack with acknowledgements ignored: every finding the stack would have without them.
    const pack = new AwsSolutionsChecks();
    Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
    const findings = pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    expect(findings.length).toBeGreaterThan(0);

    const acks: { rule: string; path: string; reason: string }[] = [];
    const visit = (c: IConstruct): void => {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acks.push({ rule: id.replace(/^annotation::/i, ''), path: c.node.path, reason });
        }
      }
      c.node.children.forEach(visit);
    };
    visit(stack);

    const covers = (a: { rule: string; path: string }, f: { rule: string; path: string }) =>
      a.rule === f.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`));
    for (const f of findings) expect(acks.some((a) => covers(a, f)), `unacknowledged ${f.rule} at ${f.path}`).toBe(true);
    for (const a of acks) {
      expect(findings.some((f) => covers(a, f)), `stale acknowledgement ${a.rule} at ${a.path}`).toBe(true);
      expect(a.reason.length, `reason for ${a.rule} at ${a.path}`).toBeGreaterThan(60);
    }
    // The acknowledged rules, as the report documents them.
    expect([...new Set(acks.map((a) => a.rule))].sort()).toEqual([
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-SQS3',
    ]);
  });
});
