/**
 * moto (`python3 -m moto.server`) for the end-to-end suite: one server on 127.0.0.1, on a port picked at run
 * time, stopped in afterAll. moto emulates CloudWatch (Put/GetMetricData with plain statistics), DynamoDB, SNS
 * and SQS in one process, behind one endpoint.
 *
 *   const available = motoAvailable();
 *   describe.skipIf(!available.ok)('...', () => {
 *     let moto: Moto;
 *     beforeAll(async () => { moto = await startMoto(); });
 *     afterAll(() => moto?.stop());
 *   });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The SNS envelope an SQS subscriber receives when RawMessageDelivery is false (the fields the tests read). */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Receives (and deletes) one batch of up to 10 SNS envelopes from an SQS queue, waiting up to `waitSeconds`. */
async function takeBatch(sqs: SQSClient, url: string, waitSeconds: number): Promise<SnsEnvelope[]> {
  const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, MessageAttributeNames: ['All'] }));
  const messages = res.Messages ?? [];
  if (messages.length > 0) {
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return messages.map((m) => JSON.parse(m.Body ?? '{}') as SnsEnvelope);
}

/** The envelopes an SNS-subscribed queue received: until `count` arrived or `timeoutMs` passed. */
export async function receiveEnvelopes(sqs: SQSClient, url: string, count: number, timeoutMs: number): Promise<SnsEnvelope[]> {
  const out: SnsEnvelope[] = [];
  const deadline = performance.now() + timeoutMs;
  while (out.length < count && performance.now() < deadline) out.push(...(await takeBatch(sqs, url, 1)));
  return out;
}

/** Everything already in the queue, without waiting (moto delivers SNS to SQS synchronously). */
export async function drainEnvelopes(sqs: SQSClient, url: string): Promise<SnsEnvelope[]> {
  const out: SnsEnvelope[] = [];
  for (;;) {
    const batch = await takeBatch(sqs, url, 0);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

/** The region and (dummy) credentials every moto suite signs with. */
export const MOTO_REGION = 'us-east-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Gives this process the evaluator Lambda's environment, as the construct sets it, with every client pointed
 * at moto and CodePipeline at the peer (any other AWS_* variable removed). Returns the function that puts the
 * environment back as it was (call it in afterAll).
 */
export function useEvaluatorEnvironment(o: { endpoint: string; codePipelineEndpoint: string; tableName: string; topicArn: string; contracts: unknown[]; service: string; logLevel: string }): () => void {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ENDPOINT_URL_CODEPIPELINE: o.codePipelineEndpoint,
    AWS_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    TABLE_NAME: o.tableName,
    ALERT_TOPIC_ARN: o.topicArn,
    OVERRIDE_HONOUR_MINUTES: '240',
    SLO_CONTRACTS_JSON: JSON.stringify(o.contracts),
    POWERTOOLS_SERVICE_NAME: o.service,
    POWERTOOLS_METRICS_NAMESPACE: 'SloContractsE2E',
    POWERTOOLS_LOG_LEVEL: o.logLevel,
  });
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The server's process id, while it runs. */
  pid: number;
  /** Ends the server (SIGTERM, then SIGKILL after a grace period) and resolves once it has exited. */
  stop(): Promise<void>;
}

export class MotoStartError extends Error {
  override name = 'MotoStartError';
}

/** Time to wait for moto to answer HTTP after spawning it (ms); it usually takes under a second. */
const START_TIMEOUT_MS = 30_000;
/** Time between SIGTERM and SIGKILL when stopping (ms). */
const STOP_GRACE_MS = 5_000;
/** Tail of moto's stderr kept for error messages (characters). */
const STDERR_TAIL_CHARS = 4_000;

/**
 * Whether moto and its server extras can be imported (`python3 -c 'import moto'`, plus `moto.server`, which
 * needs flask and werkzeug). Synchronous, so it can decide `describe.skipIf` at collection time.
 */
export function motoAvailable(): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync('python3', ['-c', 'import moto, moto.server'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error) return { ok: false, why: `python3 could not be run (${probe.error.message})` };
  if (probe.status !== 0) {
    const lastLine = (probe.stderr ?? '').trim().split('\n').pop() ?? '';
    return { ok: false, why: `moto is not installed (python3 -c 'import moto, moto.server' failed: ${lastLine || `exit ${probe.status}`})` };
  }
  return { ok: true };
}

/** A TCP port free on 127.0.0.1 right now: bind port 0, read what the OS gave, close, hand it on. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new MotoStartError('could not read the port the OS assigned on 127.0.0.1'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** The test's environment minus AWS settings and proxies: moto's Python must not pick those up. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^AWS_|_PROXY$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const done = waitForExit(child);
  child.kill('SIGTERM');
  const timer = sleep(STOP_GRACE_MS).then(() => 'timeout' as const);
  if ((await Promise.race([done.then(() => 'exited' as const), timer])) === 'timeout') {
    child.kill('SIGKILL');
    await done;
  }
}

/**
 * Starts moto on 127.0.0.1 at a free port and waits until GET /moto-api/ answers 200. Rejects with moto's
 * stderr when it exits early or does not answer within 30 s (and kills it in that case).
 */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: serverEnv(),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // If the test process dies without afterAll, do not leave moto behind.
  const onExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    await stopChild(child);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError || exited(child)) {
      await stop();
      throw new MotoStartError(
        `moto server exited before answering on ${endpoint} (${spawnError?.message ?? `exit code ${child.exitCode}, signal ${child.signalCode}`}); stderr:\n${stderr}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 200) return { endpoint, pid: child.pid!, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new MotoStartError(`moto server did not answer on ${endpoint}/moto-api/ within ${START_TIMEOUT_MS / 1000} s; stderr:\n${stderr}`);
    }
    await sleep(100);
  }
}
