/**
 * GatePort on CodePipeline stage transitions (the only importer of the CodePipeline SDK). A gate is the
 * Inbound transition of one stage: disabling it stops new executions entering the stage.
 */
import {
  CodePipelineClient,
  DisableStageTransitionCommand,
  EnableStageTransitionCommand,
  GetPipelineStateCommand,
  type CodePipelineClientConfig,
} from '@aws-sdk/client-codepipeline';
import { GateNotFoundError, type GatePort, type TransitionState } from '../ports.ts';
import { assertTransitionReason } from './rules.ts';

const NOT_FOUND = new Set(['PipelineNotFoundException', 'StageNotFoundException']);

/** Rethrows CodePipeline's not-found errors as GateNotFoundError naming the gate; anything else unchanged. */
function mapNotFound(err: unknown, pipeline: string, stage: string): never {
  if (err instanceof Error && NOT_FOUND.has(err.name)) {
    throw new GateNotFoundError(
      `CodePipeline gate ${pipeline}/${stage} not found (${err.name}: ${err.message}); check the pipeline and stage names in the contract's gates`,
      { cause: err },
    );
  }
  throw err;
}

export class CodePipelineGate implements GatePort {
  constructor(private readonly client: CodePipelineClient) {}

  async getInboundTransition(pipeline: string, stage: string): Promise<TransitionState> {
    let stageStates;
    try {
      ({ stageStates } = await this.client.send(new GetPipelineStateCommand({ name: pipeline })));
    } catch (err) {
      mapNotFound(err, pipeline, stage);
    }
    const found = stageStates?.find((s) => s.stageName === stage);
    if (!found) {
      throw new GateNotFoundError(`CodePipeline gate ${pipeline}/${stage} not found: pipeline "${pipeline}" has no stage "${stage}"`);
    }
    const t = found.inboundTransitionState;
    if (!t) {
      // The first stage of a pipeline has no inbound transition, so it cannot be a gate.
      throw new GateNotFoundError(`CodePipeline gate ${pipeline}/${stage} not found: stage "${stage}" has no inbound transition (is it the first stage?)`);
    }
    const enabled = t.enabled !== false;
    const out: TransitionState = { enabled };
    if (!enabled && t.disabledReason !== undefined) out.disabledReason = t.disabledReason;
    if (t.lastChangedBy !== undefined) out.lastChangedBy = t.lastChangedBy;
    if (t.lastChangedAt !== undefined) out.lastChangedAt = t.lastChangedAt.getTime();
    return out;
  }

  async disableInbound(pipeline: string, stage: string, reason: string): Promise<void> {
    assertTransitionReason(reason);
    try {
      await this.client.send(new DisableStageTransitionCommand({ pipelineName: pipeline, stageName: stage, transitionType: 'Inbound', reason }));
    } catch (err) {
      mapNotFound(err, pipeline, stage);
    }
  }

  async enableInbound(pipeline: string, stage: string): Promise<void> {
    try {
      await this.client.send(new EnableStageTransitionCommand({ pipelineName: pipeline, stageName: stage, transitionType: 'Inbound' }));
    } catch (err) {
      mapNotFound(err, pipeline, stage);
    }
  }
}

/**
 * Composition helper for the runtime: a CodePipelineGate on a client built from the standard AWS
 * environment (region, AWS_ENDPOINT_URL[_CODEPIPELINE], credentials chain, the SDK's own retry settings).
 */
export function createCodePipelineGate(opts: { clientConfig?: CodePipelineClientConfig } = {}): CodePipelineGate {
  return new CodePipelineGate(new CodePipelineClient(opts.clientConfig ?? {}));
}

export { InvalidTransitionReasonError, TRANSITION_REASON_PATTERN } from './rules.ts';
