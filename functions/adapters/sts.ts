/**
 * Credentials for gates in other accounts: STS AssumeRole on the role the library's pipeline-account
 * construct creates there (the only importer of the STS SDK). The role ARN comes from a template with an
 * `{account}` placeholder. Credentials are cached per role until shortly before they expire; a failed
 * AssumeRole is not cached (the next gate or run tries again) and fails only the gates of that account.
 */
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { GateAccessError } from '../ports.ts';

/** The role the pipeline-account construct creates, by default. */
export const DEFAULT_GATE_ROLE_ARN_TEMPLATE = 'arn:aws:iam::{account}:role/slo-contracts-gate';
/** The session name CloudTrail shows in the pipeline account for the evaluator's calls. */
export const GATE_ROLE_SESSION_NAME = 'slo-contracts-evaluator';

/**
 * Deadlines of every AssumeRole call (ms), per attempt; the SDK's own retry stays on. Connect 2 s, request
 * 5 s: the regional STS endpoint answers in tens of ms, and a gate that cannot get credentials in time is
 * retried on the next run like any other failed gate.
 */
export const STS_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true } as const;

/** Temporary credentials, shaped as the SDK's credential providers return them. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export class RoleArnTemplateError extends Error {
  override name = 'RoleArnTemplateError';
}

export interface StsRoleCredentialsOptions {
  /** Role ARN with an `{account}` placeholder. @default DEFAULT_GATE_ROLE_ARN_TEMPLATE */
  roleArnTemplate?: string;
  /** Seconds the credentials last; role chaining (a Lambda's role assuming another) allows at most 3600. @default 3600 */
  durationSeconds?: number;
  /** Renew this long before the credentials expire (ms), so no call starts with credentials about to lapse. @default 300000 */
  refreshBeforeMs?: number;
  /** Epoch ms now. @default Date.now */
  now?: () => number;
}

export class StsRoleCredentials {
  private readonly template: string;
  private readonly durationSeconds: number;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;
  /** Per role ARN: the credentials, or the AssumeRole in flight (shared by concurrent gates of one account). */
  private readonly cache = new Map<string, Promise<RoleCredentials>>();

  constructor(
    private readonly client: STSClient,
    opts: StsRoleCredentialsOptions = {},
  ) {
    this.template = opts.roleArnTemplate ?? DEFAULT_GATE_ROLE_ARN_TEMPLATE;
    if (!this.template.includes('{account}')) {
      throw new RoleArnTemplateError(
        `gate role ARN template "${this.template}" has no {account} placeholder; use e.g. ${DEFAULT_GATE_ROLE_ARN_TEMPLATE} (GATE_ROLE_ARN_TEMPLATE)`,
      );
    }
    this.durationSeconds = opts.durationSeconds ?? 3600;
    this.refreshBeforeMs = opts.refreshBeforeMs ?? 300_000;
    this.now = opts.now ?? (() => Date.now());
  }

  roleArnFor(account: string): string {
    return this.template.replaceAll('{account}', account);
  }

  /** Credentials for the gate role in `account`: cached ones while they have more than refreshBeforeMs left. */
  async credentialsFor(account: string): Promise<RoleCredentials> {
    const arn = this.roleArnFor(account);
    const cached = this.cache.get(arn);
    if (cached) {
      const creds = await cached.catch(() => undefined);
      if (creds && (creds.expiration === undefined || creds.expiration.getTime() - this.refreshBeforeMs > this.now())) return creds;
      if (this.cache.get(arn) !== cached) return this.credentialsFor(account); // another caller renewed meanwhile
    }
    const fresh = this.assume(arn, account);
    this.cache.set(arn, fresh);
    fresh.catch(() => {
      if (this.cache.get(arn) === fresh) this.cache.delete(arn);
    });
    return fresh;
  }

  private async assume(arn: string, account: string): Promise<RoleCredentials> {
    let res;
    try {
      res = await this.client.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: GATE_ROLE_SESSION_NAME, DurationSeconds: this.durationSeconds }));
    } catch (err) {
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new GateAccessError(
        `could not assume ${arn} for the gates in account ${account} (${why}): deploy the pipeline-account role there, trusted by the evaluator's role, or set GATE_ROLE_ARN_TEMPLATE`,
        { cause: err },
      );
    }
    const c = res.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new GateAccessError(`AssumeRole on ${arn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
  }
}

/**
 * Composition helper for the runtime: StsRoleCredentials on an STS client built from the standard AWS
 * environment (region, AWS_ENDPOINT_URL[_STS], credentials chain, the SDK's own retry), with STS_TIMEOUTS.
 */
export function createStsRoleCredentials(opts: StsRoleCredentialsOptions & { clientConfig?: STSClientConfig } = {}): StsRoleCredentials {
  const { clientConfig, ...rest } = opts;
  return new StsRoleCredentials(new STSClient({ requestHandler: { ...STS_TIMEOUTS }, ...clientConfig }), rest);
}
