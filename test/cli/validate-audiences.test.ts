/**
 * `slo validate` makes the audience check `cdk synth` makes when it knows the stack's audiences: from
 * `--audiences`, or from the `audiences` of the cdk.json in the working directory (run as the real binary in a
 * temporary project). Without either, a contract is checked on its own and the check waits for synth.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractYamlHead } from '../support/contracts.ts';

const SLO = path.resolve('bin/slo.mjs');
const project = mkdtempSync(path.join(tmpdir(), 'slo-validate-audiences-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const MOBILE = `${contractYamlHead({ name: 'mobile', reviewBy: '2027-01-15' })}  objectives:
    - name: availability
      target: 99.5
      sli:
        ratio:
          good: { namespace: Test/Mobile, metric: Good, dimensions: {} }
          total: { namespace: Test/Mobile, metric: Total, dimensions: {} }
  policy:
    tiers:
      - { name: healthy, above: 50 }
      - { name: warning, above: 25, notify: [leadership, team-mobile] }
      - { name: exhausted, freeze: all }
  gates: []
  notify: { email: [mobile@example.com] }
`;
writeFileSync(path.join(project, 'mobile.yaml'), MOBILE);

function slo(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SLO, 'validate', ...args, '--as-of', '2026-11-27'], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout });
    });
  });
}

const ERROR_LINE =
  'mobile.yaml: spec.policy.tiers[1].notify[1]: audience "team-mobile" is not defined for this stack: define it once for all contracts (SloContracts prop `audiences`, or "audiences" in the cdk.json context), or take it out of tier "warning" (defined: leadership, team-web)';

describe('slo validate: audiences the stack does not define', () => {
  it('--audiences: a tier naming another audience is an error with file and path, exit 1', async () => {
    const r = await slo(project, 'mobile.yaml', '--audiences', 'leadership,team-web');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${ERROR_LINE}\ninvalid: 1 error in 1 file\n`);
  });

  it("the audiences of ./cdk.json, as cdk synth reads them", async () => {
    const dir = mkdtempSync(path.join(project, 'app-'));
    writeFileSync(path.join(dir, 'mobile.yaml'), MOBILE);
    writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', context: { audiences: { leadership: { email: ['cto@example.com'] }, 'team-web': { email: ['web@example.com'] } } } }));
    const r = await slo(dir, 'mobile.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${ERROR_LINE}\ninvalid: 1 error in 1 file\n`);
    writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ context: { audiences: { leadership: {}, 'team-mobile': {} } } }));
    expect(await slo(dir, 'mobile.yaml')).toEqual({ code: 0, stdout: 'mobile.yaml: ok (mobile, 1 objective)\nvalid: 1 contract\n' });
  });

  it('without cdk.json or --audiences the contract is checked on its own', async () => {
    const r = await slo(project, 'mobile.yaml');
    expect(r).toEqual({ code: 0, stdout: 'mobile.yaml: ok (mobile, 1 objective)\nvalid: 1 contract\n' });
  });
});
