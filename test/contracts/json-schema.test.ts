import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTRACT_SCHEMA_FILE, contractJsonSchema, contractJsonSchemaText } from '../../functions/contracts/json-schema.ts';

type Schema = Record<string, unknown>;

/**
 * A checker for the JSON Schema keywords our generated schema uses (no validator is a dependency). It stands in
 * for an editor: which documents would an editor mark as wrong? Unknown keywords fail loudly so that a schema
 * change cannot slip past it.
 */
const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', 'default', 'type', 'properties', 'required', 'additionalProperties',
  'propertyNames', 'items', 'anyOf', 'enum', 'const', 'pattern', 'format', 'minLength', 'maxLength', 'minimum',
  'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems',
]);

function check(schema: Schema, value: unknown, at = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`checker does not know keyword ${k} at ${at}`);
  const errs: string[] = [];
  const type = schema.type as string | undefined;
  const typeOk: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    integer: (v) => Number.isInteger(v),
    boolean: (v) => typeof v === 'boolean',
  };
  if (type && !typeOk[type]?.(value)) return [`${at}: not ${type}`];
  if ('const' in schema && value !== schema.const) errs.push(`${at}: not ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errs.push(`${at}: not in enum`);
  if (Array.isArray(schema.anyOf)) {
    const options = schema.anyOf as Schema[];
    if (!options.some((o) => check(o, value, at).length === 0)) errs.push(`${at}: matches no anyOf option`);
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${at}: pattern`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errs.push(`${at}: minLength`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errs.push(`${at}: maxLength`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${at}: minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${at}: maximum`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errs.push(`${at}: exclusiveMinimum`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) errs.push(`${at}: exclusiveMaximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${at}: minItems`);
    if (schema.items) value.forEach((v, i) => errs.push(...check(schema.items as Schema, v, `${at}[${i}]`)));
  }
  if (typeOk.object?.(value) && type === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errs.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema.propertyNames) errs.push(...check(schema.propertyNames as Schema, k, `${at} key ${k}`));
      if (props[k]) errs.push(...check(props[k], v, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}.${k}: additional property`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...check(schema.additionalProperties as Schema, v, `${at}.${k}`));
    }
  }
  return errs;
}

const yamlFile = (p: string) => parse(readFileSync(p, 'utf8')) as unknown;

describe('contract JSON Schema', () => {
  it('the committed contracts/slo-contract.schema.json matches the contract schema', () => {
    const committed = readFileSync(CONTRACT_SCHEMA_FILE, 'utf8');
    expect(committed === contractJsonSchemaText(), `${CONTRACT_SCHEMA_FILE} is stale: run \`npm run schema\` and commit it`).toBe(true);
  });

  it('is draft 2020-12 with an $id and a title, describes the input form and forbids unknown keys', () => {
    const schema = contractJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/slo-contract\.schema\.json$/);
    expect(schema.title).toContain('slo-contracts/v1');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(schema.additionalProperties).toBe(false);
    // io: 'input': fields with defaults (gates, notify, minEvents) are optional when writing a contract.
    const spec = (schema.properties as Record<string, Schema>).spec as Schema;
    expect(spec.required).toEqual(['signedOff', 'reviewBy', 'window', 'objectives', 'policy']);
  });

  it('every example contract starts with the yaml-language-server schema comment', () => {
    const examples = readdirSync('contracts').filter((f) => f.endsWith('.yaml'));
    expect(examples.length).toBe(3);
    for (const f of examples) {
      expect(readFileSync(`contracts/${f}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./slo-contract.schema.json');
    }
  });

  it('accepts the example and good fixture contracts, as an editor would', () => {
    const schema = contractJsonSchema();
    const files = [
      ...readdirSync('contracts').filter((f) => f.endsWith('.yaml')).map((f) => `contracts/${f}`),
      'test/contracts/fixtures/good/payments.yaml',
      'test/contracts/fixtures/good/synthetics.yml',
    ];
    for (const f of files) expect(check(schema, yamlFile(f)), f).toEqual([]);
  });

  it.each([
    ['target-100', '$.spec.objectives[0].target: exclusiveMaximum'],
    ['unknown-key-tier', '$.spec.policy.tiers[0].colour: additional property'],
    ['duration-bad-unit', '$.spec.objectives[1].sli.latency.threshold: pattern'],
    ['window-calendar-week', '$.spec.window: matches no anyOf option'],
    ['api-version-bad', '$.apiVersion: not slo-contracts/v1'],
    ['email-invalid', '$.spec.notify.email[0]: pattern'],
  ])('lets an editor flag %s', (fixture, expected) => {
    expect(check(contractJsonSchema(), yamlFile(`test/contracts/fixtures/bad/${fixture}.yaml`))).toContain(expected);
  });
});
