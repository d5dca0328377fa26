/**
 * The CodePipeline statements a gate needs, shared by the evaluator (gates in its own account) and the gate
 * role in a pipeline account: GetPipelineState on the gated pipelines, Disable/EnableStageTransition on the
 * gated stages, nothing else and nothing wider.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { distinctPipelines, type GateTarget } from './gate-targets.ts';

/** What reading a gate calls: the transition states of the pipeline's stages. */
export const READ_GATE_ACTIONS = ['codepipeline:GetPipelineState'] as const;
/** What freezing and unfreezing a gate calls, on the stage ARN. */
export const FREEZE_GATE_ACTIONS = ['codepipeline:DisableStageTransition', 'codepipeline:EnableStageTransition'] as const;

/**
 * Two statements for the given gates, ARNs in `stack`'s account (its region unless a gate names one):
 * `ReadGatedPipelines` (GetPipelineState on each pipeline) and `FreezeGatedStages` (Disable/Enable on each
 * `pipeline/stage`). Empty for no gates.
 */
export function pipelineStatements(stack: Stack, gates: readonly GateTarget[]): iam.PolicyStatement[] {
  if (gates.length === 0) return [];
  const pipelineArn = (g: { pipeline: string; region?: string }) =>
    stack.formatArn({ service: 'codepipeline', resource: g.pipeline, arnFormat: ArnFormat.NO_RESOURCE_NAME, ...(g.region !== undefined ? { region: g.region } : {}) });
  const stageArn = (g: GateTarget) =>
    stack.formatArn({
      service: 'codepipeline',
      resource: g.pipeline,
      resourceName: g.stage,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      ...(g.region !== undefined ? { region: g.region } : {}),
    });
  return [
    new iam.PolicyStatement({ sid: 'ReadGatedPipelines', actions: [...READ_GATE_ACTIONS], resources: distinctPipelines(gates).map(pipelineArn) }),
    new iam.PolicyStatement({ sid: 'FreezeGatedStages', actions: [...FREEZE_GATE_ACTIONS], resources: gates.map(stageArn) }),
  ];
}
