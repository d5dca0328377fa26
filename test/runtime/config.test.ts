import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audienceTopicsFromEnv, bundledContracts, ConfigurationError, CONTRACTS_FILE, daysEnv, evaluatorOptionsFromEnv, minutesEnv, requireEnv } from '../../functions/runtime/config.ts';
import { checkout } from '../support/contracts.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slo-config-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Lambda configuration', () => {
  it('reads the contracts from SLO_CONTRACTS_JSON outside a bundle, and says what to do when absent', () => {
    const contracts = [checkout()];
    expect(bundledContracts({ SLO_CONTRACTS_JSON: JSON.stringify(contracts) }, undefined)).toEqual(contracts);
    expect(() => bundledContracts({}, undefined)).toThrow(ConfigurationError);
    expect(() => bundledContracts({}, undefined)).toThrow(/SLO_CONTRACTS_JSON/);
    expect(() => bundledContracts({ SLO_CONTRACTS_JSON: '{}' }, undefined)).toThrow(/JSON array/);
  });

  it('reads contracts.json beside the bundle, which wins over SLO_CONTRACTS_JSON', () => {
    const dir = tmp();
    const staged = [checkout({}, 'staged')];
    writeFileSync(path.join(dir, CONTRACTS_FILE), JSON.stringify(staged));
    expect(bundledContracts({ SLO_CONTRACTS_JSON: JSON.stringify([checkout()]) }, dir)).toEqual(staged);
  });

  it('falls back to SLO_CONTRACTS_JSON when no contracts.json is beside the bundle, and names both when neither exists', () => {
    const dir = tmp();
    expect(bundledContracts({ SLO_CONTRACTS_JSON: JSON.stringify([checkout()]) }, dir)).toEqual([checkout()]);
    expect(() => bundledContracts({}, dir)).toThrow(`${path.join(dir, CONTRACTS_FILE)}`);
  });

  it('a damaged contracts.json names the file', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, CONTRACTS_FILE), '[{"apiVersion"');
    expect(() => bundledContracts({}, dir)).toThrow(new RegExp(`the contracts in ${path.join(dir, CONTRACTS_FILE)} are not JSON`));
  });

  it('turns minutes into milliseconds and rejects nonsense', () => {
    expect(minutesEnv('X', 240, {})).toBe(240 * 60_000);
    expect(minutesEnv('X', 240, { X: '30' })).toBe(30 * 60_000);
    expect(() => minutesEnv('X', 240, { X: '-1' })).toThrow(/positive number of minutes, got "-1"/);
    expect(daysEnv('D', 400, { D: '730' })).toBe(730);
    expect(() => daysEnv('D', 400, { D: '1.5' })).toThrow(/whole number of days/);
    expect(requireEnv('T', { T: 'slo' })).toBe('slo');
    expect(() => requireEnv('TABLE_NAME', {})).toThrow(/TABLE_NAME is not set/);
  });

  it('reads evaluator tuning (burn-rate metrics opt-in, rebuild budget, re-read margin) and rejects nonsense', () => {
    expect(evaluatorOptionsFromEnv({})).toEqual({});
    expect(evaluatorOptionsFromEnv({ PUBLISH_BURN_RATES: 'true', REBUILD_DATAPOINTS: '500000', REREAD_MARGIN_MINUTES: '20' })).toEqual({
      publishBurnRates: true,
      rebuildDatapoints: 500_000,
      rereadMarginMs: 20 * 60_000,
    });
    expect(() => evaluatorOptionsFromEnv({ PUBLISH_BURN_RATES: 'yes' })).toThrow(/true or false/);
    expect(() => evaluatorOptionsFromEnv({ REBUILD_DATAPOINTS: '1.5' })).toThrow(/whole number/);
  });
});

describe('audience topics', () => {
  it('reads AUDIENCE_TOPIC_ARNS as name -> topic ARN; unset is none; nonsense says what is expected', () => {
    expect(audienceTopicsFromEnv({})).toEqual({});
    expect(audienceTopicsFromEnv({ AUDIENCE_TOPIC_ARNS: '{"chat":"arn:aws:sns:us-east-1:123456789012:team-chat"}' })).toEqual({ chat: 'arn:aws:sns:us-east-1:123456789012:team-chat' });
    expect(() => audienceTopicsFromEnv({ AUDIENCE_TOPIC_ARNS: 'chat' })).toThrow(/JSON object of audience name -> SNS topic ARN/);
    expect(() => audienceTopicsFromEnv({ AUDIENCE_TOPIC_ARNS: '{"chat":42}' })).toThrow('AUDIENCE_TOPIC_ARNS: audience "chat" must map to an SNS topic ARN, got 42');
  });
});
