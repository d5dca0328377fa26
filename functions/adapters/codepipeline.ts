/**
 * GatePort on CodePipeline stage transitions (the only importer of the CodePipeline SDK). A gate is the
 * Inbound transition of one stage: disabling it stops new executions entering the stage. A gate in another
 * account is reached with a client of its own per account and region, signed with credentials for the
 * gate role there (functions/adapters/sts.ts); failing to get them fails that gate alone.
 */
import {
  CodePipelineClient,
  DisableStageTransitionCommand,
  EnableStageTransitionCommand,
  GetPipelineStateCommand,
  type CodePipelineClientConfig,
} from '@aws-sdk/client-codepipeline';
import { GateAccessError, GateNotFoundError, type GateCallOptions, type GatePort, type GateRef, type TransitionState } from '../ports.ts';
import { assertTransitionReason } from './rules.ts';

const NOT_FOUND = new Set(['PipelineNotFoundException', 'StageNotFoundException']);

/**
 * Deadlines of every CodePipeline call (ms), per attempt; the SDK's own retry stays on. Connect 2 s,
 * request 5 s: the API answers in well under a second. The run's gate deadline (an abort signal) cuts a
 * hanging call shorter still, so pages never wait on CodePipeline.
 */
export const CODEPIPELINE_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true } as const;

/** Credentials for the gate role in another account (StsRoleCredentials). */
export interface GateRoleCredentials {
  credentialsFor(account: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;
}

const where = (gate: GateRef) => (gate.account === undefined ? '' : ` in account ${gate.account}${gate.region ? ` (${gate.region})` : ''}`);

/** Rethrows CodePipeline's not-found errors as GateNotFoundError naming the gate; anything else unchanged. */
function mapNotFound(err: unknown, gate: GateRef): never {
  if (err instanceof Error && NOT_FOUND.has(err.name)) {
    throw new GateNotFoundError(
      `CodePipeline gate ${gate.pipeline}/${gate.stage}${where(gate)} not found (${err.name}: ${err.message}); check the pipeline and stage names in the contract's gates`,
      { cause: err },
    );
  }
  throw err;
}

export interface CodePipelineGateOptions {
  /** A client for a gate in another account and region; absent, such gates fail with GateAccessError. */
  clientFor?: (account: string, region: string | undefined) => CodePipelineClient;
  /** Credentials for the gate role per account, fetched before each call so a failure names the role. */
  roles?: GateRoleCredentials;
}

export class CodePipelineGate implements GatePort {
  constructor(
    private readonly client: CodePipelineClient,
    private readonly opts: CodePipelineGateOptions = {},
  ) {}

  async getInboundTransition(gate: GateRef, options: GateCallOptions = {}): Promise<TransitionState> {
    const { pipeline, stage } = gate;
    let stageStates;
    try {
      ({ stageStates } = await (await this.clientOf(gate)).send(new GetPipelineStateCommand({ name: pipeline }), abortable(options)));
    } catch (err) {
      mapNotFound(err, gate);
    }
    const found = stageStates?.find((s) => s.stageName === stage);
    if (!found) {
      throw new GateNotFoundError(`CodePipeline gate ${pipeline}/${stage}${where(gate)} not found: pipeline "${pipeline}" has no stage "${stage}"`);
    }
    const t = found.inboundTransitionState;
    if (!t) {
      // The first stage of a pipeline has no inbound transition, so it cannot be a gate.
      throw new GateNotFoundError(`CodePipeline gate ${pipeline}/${stage}${where(gate)} not found: stage "${stage}" has no inbound transition (is it the first stage?)`);
    }
    const enabled = t.enabled !== false;
    const out: TransitionState = { enabled };
    if (!enabled && t.disabledReason !== undefined) out.disabledReason = t.disabledReason;
    if (t.lastChangedBy !== undefined) out.lastChangedBy = t.lastChangedBy;
    if (t.lastChangedAt !== undefined) out.lastChangedAt = t.lastChangedAt.getTime();
    return out;
  }

  async disableInbound(gate: GateRef, reason: string, options: GateCallOptions = {}): Promise<void> {
    assertTransitionReason(reason);
    try {
      await (await this.clientOf(gate)).send(
        new DisableStageTransitionCommand({ pipelineName: gate.pipeline, stageName: gate.stage, transitionType: 'Inbound', reason }),
        abortable(options),
      );
    } catch (err) {
      mapNotFound(err, gate);
    }
  }

  async enableInbound(gate: GateRef, options: GateCallOptions = {}): Promise<void> {
    try {
      await (await this.clientOf(gate)).send(new EnableStageTransitionCommand({ pipelineName: gate.pipeline, stageName: gate.stage, transitionType: 'Inbound' }), abortable(options));
    } catch (err) {
      mapNotFound(err, gate);
    }
  }

  /** The stack's own client, or the gate account's (after making sure its role can be assumed). */
  private async clientOf(gate: GateRef): Promise<CodePipelineClient> {
    if (gate.account === undefined) return this.client;
    if (!this.opts.clientFor) {
      throw new GateAccessError(`gate ${gate.pipeline}/${gate.stage}${where(gate)}: this evaluator was built without cross-account access (createCodePipelineGate roles)`);
    }
    await this.opts.roles?.credentialsFor(gate.account); // throws GateAccessError naming the role; cached while valid
    return this.opts.clientFor(gate.account, gate.region);
  }
}

function abortable(options: GateCallOptions): { abortSignal?: AbortSignal } {
  return options.signal ? { abortSignal: options.signal } : {};
}

/**
 * Composition helper for the runtime: a CodePipelineGate on a client built from the standard AWS
 * environment (region, AWS_ENDPOINT_URL[_CODEPIPELINE], credentials chain, the SDK's own retry settings),
 * with CODEPIPELINE_TIMEOUTS. With `roles`, gates in other accounts get one client per account and region,
 * signed with the role credentials for that account.
 */
export function createCodePipelineGate(opts: { clientConfig?: CodePipelineClientConfig; roles?: GateRoleCredentials } = {}): CodePipelineGate {
  const config: CodePipelineClientConfig = { requestHandler: { ...CODEPIPELINE_TIMEOUTS }, ...opts.clientConfig };
  const roles = opts.roles;
  if (!roles) return new CodePipelineGate(new CodePipelineClient(config));
  const remote = new Map<string, CodePipelineClient>();
  const clientFor = (account: string, region: string | undefined) => {
    const key = `${account}/${region ?? ''}`;
    let client = remote.get(key);
    if (!client) {
      client = new CodePipelineClient({ ...config, ...(region !== undefined ? { region } : {}), credentials: () => roles.credentialsFor(account) });
      remote.set(key, client);
    }
    return client;
  };
  return new CodePipelineGate(new CodePipelineClient(config), { clientFor, roles });
}

export { InvalidTransitionReasonError, TRANSITION_REASON_PATTERN } from './rules.ts';
