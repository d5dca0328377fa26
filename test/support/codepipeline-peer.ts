/**
 * A CodePipeline peer for tests: a small HTTP server on 127.0.0.1 (a port picked at run time) speaking the
 * CodePipeline JSON 1.1 protocol (`X-Amz-Target: CodePipeline_20150709.<Operation>`, `application/x-amz-json-1.1`)
 * for GetPipelineState, DisableStageTransition and EnableStageTransition, validating names, transition type
 * and reason as the API reference states them:
 *   pipeline and stage names: 1-100 characters of [A-Za-z0-9.@\-_]
 *   reason: 1-300 characters of [a-zA-Z0-9!@ \(\)\.\*\?\-]
 *   transitionType: Inbound | Outbound
 *   errors: ValidationException, PipelineNotFoundException, StageNotFoundException (HTTP 400, `__type` + x-amzn-ErrorType)
 * Pipelines live per account and region: the region comes from the request's SigV4 credential scope, the
 * account from `accountOf(accessKeyId)` (one home account by default), so the same pipeline name in two
 * accounts is two pipelines. A test can act as a person in the console (`console`), and make calls hang
 * (accept the connection, never answer), fail, or answer slowly.
 *
 *   const peer = await startCodePipelinePeer();
 *   peer.addPipeline('shop-web', ['Source', 'Production']);
 *   new CodePipelineClient({ endpoint: peer.endpoint, region: 'us-east-1', credentials });
 *   await peer.stop();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PEER_HOME_ACCOUNT = '123456789012';
export const PEER_REGION = 'us-east-1';

const NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;
const REASON = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;
const PREFIX = 'CodePipeline_20150709.';

export type PeerOperation = 'GetPipelineState' | 'DisableStageTransition' | 'EnableStageTransition';

interface Transition {
  enabled: boolean;
  disabledReason?: string;
  lastChangedBy?: string;
  /** Epoch ms. */
  lastChangedAt?: number;
}

export interface PeerCall {
  op: string;
  input: Record<string, unknown>;
  accessKeyId: string | undefined;
  region: string | undefined;
  account: string;
  /** HTTP status answered, `hung` for a call left without an answer. */
  status: number | 'hung';
  errorType?: string;
}

/** Where a pipeline is: an account and region (default: the home account, us-east-1). */
export interface PeerWhere {
  account?: string;
  region?: string;
}

export interface CodePipelinePeer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Every call received, in order (hung ones included). */
  readonly calls: PeerCall[];
  /** Registers a pipeline; its first stage has no inbound transition, the others start enabled. */
  addPipeline(name: string, stages: string[], where?: PeerWhere): CodePipelinePeer;
  /** A stage's inbound transition as the peer holds it (no call recorded). */
  transition(pipeline: string, stage: string, where?: PeerWhere): Transition | undefined;
  /** A person in the console: enable or disable a transition, shown as changed by `by`. */
  console: {
    enable(pipeline: string, stage: string, by: string, where?: PeerWhere): void;
    disable(pipeline: string, stage: string, reason: string, by: string, where?: PeerWhere): void;
  };
  /**
   * The next `count` calls of `op` (any op when undefined) are accepted and never answered. With `apply`,
   * a Disable/Enable takes effect first (the call reached CodePipeline, the answer did not come back).
   */
  hang(op: PeerOperation | undefined, opts?: { count?: number; apply?: boolean }): void;
  /** The next `count` calls of `op` fail with `type` (HTTP `status`, 400 by default) and change nothing. */
  fail(op: PeerOperation, type: string, opts?: { count?: number; status?: number; message?: string }): void;
  /** Forgets the hangs and failures still waiting for calls (CodePipeline answers normally again). */
  heal(): void;
  /** Every answer waits this long (ms), to widen the window in which overlapping runs race. */
  latencyMs: number;
  /** Calls currently left hanging. */
  readonly hanging: number;
  /** Stops answering, drops hanging connections, closes the server. */
  stop(): Promise<void>;
}

interface Options {
  /** The account a request's access key belongs to (e.g. looked up in moto's STS); default: the home account. */
  accountOf?: (accessKeyId: string) => string | Promise<string>;
  /** Epoch ms now (lastChangedAt). @default Date.now */
  now?: () => number;
}

class PeerError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const validation = (value: unknown, member: string, constraint: string) =>
  new PeerError('ValidationException', `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`);

function requireName(value: unknown, member: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 100) throw validation(value, member, 'Member must have length between 1 and 100');
  if (!NAME.test(value)) throw validation(value, member, 'Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+');
  return value;
}

/** SigV4: `Credential=<access key>/<date>/<region>/codepipeline/aws4_request`. */
function credentialScope(req: IncomingMessage): { accessKeyId?: string; region?: string } {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  return m ? { accessKeyId: m[1], region: m[2] } : {};
}

export async function startCodePipelinePeer(opts: Options = {}): Promise<CodePipelinePeer> {
  const now = opts.now ?? (() => Date.now());
  /** account/region/pipeline -> ordered stages and their inbound transitions (undefined for the first stage). */
  const pipelines = new Map<string, { name: string; stages: { name: string; inbound?: Transition }[] }>();
  const calls: PeerCall[] = [];
  const hangs: { op: PeerOperation | undefined; count: number; apply: boolean }[] = [];
  const failures: { op: PeerOperation; type: string; count: number; status: number; message: string }[] = [];
  const hung = new Set<ServerResponse>();
  const key = (name: string, where: PeerWhere = {}) => `${where.account ?? PEER_HOME_ACCOUNT}/${where.region ?? PEER_REGION}/${name}`;

  const stageOf = (pipeline: string, stage: string, where: PeerWhere) => pipelines.get(key(pipeline, where))?.stages.find((s) => s.name === stage);

  function operate(op: string, input: Record<string, unknown>, where: Required<PeerWhere>, caller: string): unknown {
    switch (op) {
      case 'GetPipelineState': {
        const name = requireName(input.name, 'name');
        const p = pipelines.get(key(name, where));
        if (!p) throw new PeerError('PipelineNotFoundException', `Account '${where.account}' does not have a pipeline with name '${name}'`);
        return {
          pipelineName: p.name,
          pipelineVersion: 1,
          stageStates: p.stages.map((s) => ({
            stageName: s.name,
            ...(s.inbound
              ? {
                  inboundTransitionState: {
                    enabled: s.inbound.enabled,
                    ...(s.inbound.disabledReason !== undefined ? { disabledReason: s.inbound.disabledReason } : {}),
                    ...(s.inbound.lastChangedBy !== undefined ? { lastChangedBy: s.inbound.lastChangedBy } : {}),
                    // JSON 1.1 timestamps are epoch seconds.
                    ...(s.inbound.lastChangedAt !== undefined ? { lastChangedAt: s.inbound.lastChangedAt / 1000 } : {}),
                  },
                }
              : {}),
            actionStates: [],
          })),
        };
      }
      case 'DisableStageTransition':
      case 'EnableStageTransition': {
        const pipelineName = requireName(input.pipelineName, 'pipelineName');
        const stageName = requireName(input.stageName, 'stageName');
        if (input.transitionType !== 'Inbound' && input.transitionType !== 'Outbound') {
          throw validation(input.transitionType, 'transitionType', 'Member must satisfy enum value set: [Inbound, Outbound]');
        }
        const disable = op === 'DisableStageTransition';
        if (disable) {
          const reason = input.reason;
          if (typeof reason !== 'string' || reason.length < 1 || reason.length > 300) throw validation(reason, 'reason', 'Member must have length between 1 and 300');
          if (!REASON.test(reason)) throw validation(reason, 'reason', 'Member must satisfy regular expression pattern: [a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+');
        }
        if (!pipelines.has(key(pipelineName, where))) throw new PeerError('PipelineNotFoundException', `Account '${where.account}' does not have a pipeline with name '${pipelineName}'`);
        const stage = stageOf(pipelineName, stageName, where);
        if (!stage) throw new PeerError('StageNotFoundException', `Pipeline '${pipelineName}' does not have a stage named '${stageName}'`);
        if (input.transitionType === 'Outbound') return {}; // gates use Inbound only; Outbound is accepted and not modelled
        if (!stage.inbound) throw new PeerError('ValidationException', `Stage '${stageName}' is the first stage of '${pipelineName}': it has no inbound transition`);
        stage.inbound = disable
          ? { enabled: false, disabledReason: input.reason as string, lastChangedBy: caller, lastChangedAt: now() }
          : { enabled: true, lastChangedBy: caller, lastChangedAt: now() };
        return {};
      }
      default:
        throw new PeerError('UnknownOperationException', `the peer does not speak ${op}`);
    }
  }

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `peer-${calls.length}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };

  const take = <T extends { op: PeerOperation | undefined; count: number }>(list: T[], op: string): T | undefined => {
    const i = list.findIndex((x) => x.op === undefined || x.op === op);
    if (i === -1) return undefined;
    const found = list[i]!;
    if (--found.count <= 0) list.splice(i, 1);
    return found;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith(PREFIX) ? target.slice(PREFIX.length) : target;
        const { accessKeyId, region } = credentialScope(req);
        const account = accessKeyId && opts.accountOf ? await opts.accountOf(accessKeyId) : PEER_HOME_ACCOUNT;
        let input: Record<string, unknown> = {};
        const call: PeerCall = { op, input, accessKeyId, region, account, status: 200 };
        calls.push(call);
        try {
          if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
            throw new PeerError('SerializationException', 'expected POST with Content-Type application/x-amz-json-1.1');
          }
          try {
            input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          } catch {
            throw new PeerError('SerializationException', 'the body is not JSON');
          }
          call.input = input;
          const where = { account, region: region ?? PEER_REGION };
          const caller = `arn:aws:sts::${account}:assumed-role/caller/${accessKeyId ?? 'anonymous'}`;
          const hang = take(hangs, op);
          if (hang) {
            if (hang.apply) {
              try {
                operate(op, input, where, caller);
              } catch {
                // A call that would have failed changes nothing either way.
              }
            }
            call.status = 'hung';
            hung.add(res);
            res.on('close', () => hung.delete(res));
            return;
          }
          const failure = take(failures, op);
          if (failure) throw new PeerError(failure.type, failure.message, failure.status);
          const body = operate(op, input, where, caller);
          if (peer.latencyMs > 0) await new Promise((r) => setTimeout(r, peer.latencyMs));
          send(res, 200, body);
        } catch (err) {
          const e = err instanceof PeerError ? err : new PeerError('InternalFailure', String(err), 500);
          call.status = e.status;
          call.errorType = e.type;
          send(res, e.status, { __type: e.type, message: e.message }, e.type);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const peer: CodePipelinePeer = {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    latencyMs: 0,
    get hanging() {
      return hung.size;
    },
    addPipeline(name, stages, where) {
      pipelines.set(key(name, where), { name, stages: stages.map((s, i) => (i === 0 ? { name: s } : { name: s, inbound: { enabled: true } })) });
      return peer;
    },
    transition(pipeline, stage, where = {}) {
      const t = stageOf(pipeline, stage, where)?.inbound;
      return t ? { ...t } : undefined;
    },
    console: {
      enable(pipeline, stage, by, where = {}) {
        const s = stageOf(pipeline, stage, where);
        if (!s?.inbound) throw new Error(`peer: no inbound transition ${pipeline}/${stage}`);
        s.inbound = { enabled: true, lastChangedBy: by, lastChangedAt: now() };
      },
      disable(pipeline, stage, reason, by, where = {}) {
        const s = stageOf(pipeline, stage, where);
        if (!s?.inbound) throw new Error(`peer: no inbound transition ${pipeline}/${stage}`);
        s.inbound = { enabled: false, disabledReason: reason, lastChangedBy: by, lastChangedAt: now() };
      },
    },
    hang(op, o = {}) {
      hangs.push({ op, count: o.count ?? 1, apply: o.apply ?? false });
    },
    heal() {
      hangs.length = 0;
      failures.length = 0;
    },
    fail(op, type, o = {}) {
      failures.push({ op, type, count: o.count ?? 1, status: o.status ?? 400, message: o.message ?? `${type} (told to fail by the test)` });
    },
    async stop() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return peer;
}
