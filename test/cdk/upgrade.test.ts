/**
 * Upgrading a deployment of 0.1.0 (one SloContracts constructor) to the split constructs replaces nothing
 * that holds state or people's confirmations: the table, the key, the topics and their policies, every
 * subscription, the queue, the log groups, the functions and the schedules keep their logical IDs.
 * golden/logical-ids-0.1.0.json was synthesized by 0.1.0 (commit 186438e) from the same props.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SloContracts } from '../../lib/slo-contracts.ts';
import { logicalIdForPath } from '../../lib/private/logical-id.ts';
import { LEADERSHIP, REPO_ROOT, appWithoutBundling, standardContracts, unvalidatedScratch } from './fixtures.ts';

const scratch = unvalidatedScratch();

/** Types whose replacement would lose data, confirmations, logs or in-flight messages. */
const KEPT = new Set([
  'AWS::DynamoDB::Table',
  'AWS::KMS::Key',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::Events::Rule',
]);

describe('upgrade from 0.1.0', () => {
  it('every stateful resource of 0.1.0 keeps its logical ID and type', () => {
    const legacy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'cdk', 'golden', 'logical-ids-0.1.0.json'), 'utf8')) as Record<string, string>;
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Legacy');
    new SloContracts(stack, 'SloContracts', { contracts: standardContracts(), audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
    const now = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
    const kept = Object.entries(legacy).filter(([, type]) => KEPT.has(type));
    expect(kept.length).toBeGreaterThan(20);
    for (const [id, type] of kept) expect(now[id]?.Type, `${type} ${id}`).toBe(type);
  });

  it('logicalIdForPath reproduces aws-cdk-lib: single ids, Default, Resource and repeated components', () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Ids');
    const inner = new SloContracts(stack, 'Slo', { contracts: standardContracts(), audiences: LEADERSHIP, allowAlarmsWithoutOperators: true });
    // Table/Resource: the path the table has always had.
    expect(stack.getLogicalId(inner.state.node.defaultChild as never)).toBe(logicalIdForPath(['Slo', 'Table', 'Resource']));
    expect(logicalIdForPath(['Queue'])).toBe('Queue');
    expect(logicalIdForPath(['A', 'Default', 'B'])).toBe(logicalIdForPath(['A', 'B']));
  });
});
