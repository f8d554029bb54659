/**
 * Writes `validators.generated.mjs`: one ahead-of-time compiled validator per Task state's input,
 * from the zod schemas in src/schemas.ts.
 *
 * Why: building a zod schema tree costs time at load, in every cold start. zod/mini binds each
 * schema's methods per instance, and the record schemas are a few hundred instances: about 6 ms of
 * Summarize's 34 ms cold load, against 21 ms for an empty module (`npm run bench`). The same
 * contract compiled to plain functions (zod's own JSON Schema export, compiled by Ajv's standalone
 * mode: https://ajv.js.org/standalone.html) costs about 1 ms and needs neither zod nor Ajv at run time.
 * zod stays the one source of the contract and its types; test/unit/contracts.test.ts holds the two
 * to the same verdicts and holds this file to what the schemas generate.
 *
 * The operator's execution input is checked here too (ExecutionInput), and only a refusal loads zod:
 * ResolveTargets then parses the input again with zod, whose messages name each bad field for a
 * person (InputValidationError). test/unit/contracts.test.ts holds both to the same verdict and the
 * same defaults, nested `prefault` objects included.
 *
 * Run: npm run generate:validators
 */
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import * as z from 'zod/mini';
import * as schemas from '../schemas.ts';

/** The Task states whose handlers validate with a generated function, and their schemas. */
export const CONTRACTS = {
  ResolveTargetsInput: schemas.ResolveTargetsInput,
  LookupLaunchTemplateInput: schemas.LookupLaunchTemplateInput,
  LockAutoScalingGroupInput: schemas.LockAutoScalingGroupInput,
  PinAutoScalingGroupInput: schemas.PinAutoScalingGroupInput,
  CreatePatchedVersionInput: schemas.CreatePatchedVersionInput,
  StartInstanceRefreshInput: schemas.StartInstanceRefreshInput,
  PollInstanceRefreshInput: schemas.PollInstanceRefreshInput,
  AwaitRefreshEventInput: schemas.AwaitRefreshEventInput,
  PromoteDefaultVersionInput: schemas.PromoteDefaultVersionInput,
  RestoreAutoScalingGroupInput: schemas.RestoreAutoScalingGroupInput,
  DeleteUnusedVersionsInput: schemas.DeleteUnusedVersionsInput,
  SummarizeInput: schemas.SummarizeInput,
  LoadRunPageInput: schemas.LoadRunPageInput,
  SaveRunPageInput: schemas.SaveRunPageInput,
} as const;
export type ContractName = keyof typeof CONTRACTS;

/**
 * Other checks a Lambda makes with a schema, generated for the same reason: a group's tag values,
 * the patch options the script is rendered with, and the refresh status AWS reports.
 */
export const CHECKS = {
  GroupTagValues: schemas.GroupTagValues,
  PatchOptions: schemas.PatchOptions,
  RefreshStatus: schemas.RefreshStatus,
  // A wait token's progress, read back from the ledger (src/ledger/wait-tokens.ts).
  RefreshProgress: schemas.RefreshProgress,
  // OnRefreshEvent is no Task state: the EventBridge rule invokes it with AWS's event.
  OnRefreshEventInput: schemas.OnRefreshEventInput,
  // ResolveTargets' verdict on the operator's input; zod is loaded only to word a refusal.
  ExecutionInput: schemas.ExecutionInput,
} as const;
export type CheckName = keyof typeof CHECKS;

/**
 * Records that several inputs share, compiled once: each is its own schema that the others `$ref`,
 * so the generated module holds one function per record, not one copy per input.
 */
const SHARED = {
  RunSettings: schemas.RunSettings,
  GroupRecord: schemas.GroupRecord,
  TemplateRecord: schemas.TemplateRecord,
} as const;

/** The JSON Schemas of every contract and shared record, by name (zod's own export). */
export function jsonSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries({ ...SHARED, ...CONTRACTS, ...CHECKS })) {
    if (!registry.has(schema)) registry.add(schema, { id });
  }
  // io: input, so a field with a default may be absent (Ajv fills it in, as zod does).
  const { schemas: out } = z.toJSONSchema(registry, {
    io: 'input',
    // Draft 7, not zod's default 2020-12: Ajv's 2020 class always tracks evaluated properties and
    // writes that at module level (`validateN.evaluated = ...`), which keeps every validator in every
    // bundle; draft 7 has nothing to track, so each bundle keeps only its own state's functions.
    target: 'draft-7',
    unrepresentable: 'throw',
    uri: (id) => id,
  });
  return out as Record<string, Record<string, unknown>>;
}

/** The source of validators.generated.mjs. */
export function validatorsSource(): string {
  const ajv = new Ajv({
    code: { source: true, esm: true },
    // zod applies `_default` values to absent fields; Ajv does the same with `default`.
    useDefaults: true,
    // zod's minLength/maxLength count String.length (UTF-16 units), not code points.
    unicode: false,
    // ...an option Ajv still honours but calls deprecated on every construction: keep that one quiet.
    logger: {
      log: console.log,
      warn: (...args: unknown[]) => String(args[0]).includes('option unicode') || console.warn(...args),
      error: console.error,
    },
    strict: true,
    // Messages name the field and the rule, never the value (which may be a customer's data).
    verbose: false,
    allErrors: false,
    // One function per shared record, called from each input's validator, instead of a copy in each.
    inlineRefs: false,
  });
  // zod writes z.startsWith() as the format `starts_with` beside a `pattern` that checks the same.
  ajv.addFormat('starts_with', true);
  for (const [id, schema] of Object.entries(jsonSchemas())) ajv.addSchema(schema, id);
  const names = Object.fromEntries(
    [...Object.keys(CONTRACTS), ...Object.keys(CHECKS)].map((name) => [name, name]),
  );
  // A CommonJS module whose export is the function and also its `default`: NodeNext types see the latter.
  const code = standaloneCode.default(ajv, names);
  return `// Generated by src/contracts/generate.ts from src/schemas.ts (npm run generate:validators). Do not edit.\n${code}\n`;
}

/** The declarations beside it, so TypeScript knows each export. */
export function declarationsSource(): string {
  const lines = [...Object.keys(CONTRACTS), ...Object.keys(CHECKS)].map(
    (name) => `export declare const ${name}: GeneratedValidator;`,
  );
  return [
    '// Generated by src/contracts/generate.ts (npm run generate:validators). Do not edit.',
    "import type { GeneratedValidator } from './parse-input.ts';",
    ...lines,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('.', import.meta.url);
  writeFileSync(new URL('validators.generated.mjs', dir), validatorsSource());
  writeFileSync(new URL('validators.generated.d.mts', dir), declarationsSource());
}
