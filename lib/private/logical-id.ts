/**
 * Keeping CloudFormation logical IDs stable across the split of the construct.
 *
 * Version 0.1.0 created the key, the topics, their policies and the subscriptions directly under
 * SloContracts. They now live in SloTopics, which would give them new logical IDs: CloudFormation would
 * replace the topics (new ARNs) and every subscription (every email address asked to confirm again, alerts
 * lost until then). So their logical IDs are pinned to the ones they had, computed the way aws-cdk-lib
 * computes them (core/lib/private/uniqueid.ts: the stack-relative path, `Default` dropped, a human part
 * without `Resource` nor repeated components, plus the first 8 hex digits of the path's MD5). The test
 * test/cdk/upgrade.test.ts compares against IDs synthesized by 0.1.0.
 */
import { createHash } from 'node:crypto';
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const alphanumeric = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '');

/** The logical ID aws-cdk-lib gives an element at this stack-relative path. */
export function logicalIdForPath(path: readonly string[]): string {
  const components = path.filter((c) => c !== 'Default');
  if (components.length === 1) return alphanumeric(components[0] as string);
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of components) if (human.length === 0 || !(human[human.length - 1] as string).endsWith(c)) human.push(c);
  return (
    human
      .filter((c) => c !== 'Resource')
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
}

/** The stack-relative path of a construct, as construct ids. */
export function stackRelativePath(scope: IConstruct): string[] {
  const stack = Stack.of(scope);
  const scopes = scope.node.scopes;
  return scopes.slice(scopes.indexOf(stack) + 1).map((c) => c.node.id);
}

/**
 * Gives `element` (a CfnElement, or an L2 whose default child is one) the logical ID it would have at
 * `legacyScope/...legacyIds`.
 */
export function keepLogicalId(element: IConstruct, legacyScope: IConstruct, ...legacyIds: string[]): void {
  const cfn = CfnElement.isCfnElement(element) ? element : element.node.defaultChild;
  if (cfn === undefined || !CfnElement.isCfnElement(cfn)) throw new Error(`${element.node.path} has no CloudFormation resource to pin`);
  cfn.overrideLogicalId(logicalIdForPath([...stackRelativePath(legacyScope), ...legacyIds]));
}
