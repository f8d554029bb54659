/**
 * The generated validators (src/contracts) against the zod schemas they come from: the file is what
 * the schemas generate today, and on real state inputs, and every mutation of them, both give the
 * same verdict and the same parsed value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKS,
  type CheckName,
  CONTRACTS,
  type ContractName,
  declarationsSource,
  validatorsSource,
} from '../../src/contracts/generate.ts';
import type { GeneratedValidator } from '../../src/contracts/parse-input.ts';
import * as generated from '../../src/contracts/validators.generated.mjs';
import { accountFromScenario } from '../../src/fake/scenario.ts';
import { PAGE_FUNCTIONS, TASK_STATES, type TaskStateName } from '../../src/local/definition.ts';
import { type HandlerOverride, runStateMachine } from '../../src/local/runner.ts';

const dir = join(import.meta.dirname, '../../src/contracts');
const validators = generated as unknown as Record<ContractName | CheckName, GeneratedValidator>;
const SCHEMAS = { ...CONTRACTS, ...CHECKS };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path into `value`, arrays cut to their first two items (the rest repeat the same schema). */
function pathsOf(value: Json, path: Path = []): Path[] {
  const here = [path];
  if (Array.isArray(value))
    return here.concat(value.slice(0, 2).flatMap((item, i) => pathsOf(item, [...path, i])));
  if (value && typeof value === 'object')
    return here.concat(Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key])));
  return here;
}

/** A copy of `value` with `change` applied to the node at `path` (its parent and key given). */
function mutate(
  value: Json,
  path: Path,
  change: (parent: Record<string | number, Json>, key: string | number) => void,
): Json {
  const copy = structuredClone(value);
  if (path.length === 0) return copy;
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  change(parent, path.at(-1) as string | number);
  return copy;
}

/** The wrong values tried in place of a node: other types, and edge values of its own type. */
function replacements(node: Json): Json[] {
  if (typeof node === 'string') return [7, '', 'x', null];
  if (typeof node === 'number') return [String(node), 0, -1, 1.5, 101, 604_801];
  if (typeof node === 'boolean') return [String(node), 1];
  if (Array.isArray(node)) return [{}, 'x', []];
  if (node && typeof node === 'object') return [[], 'x', {}];
  return [0];
}

/** Both verdicts on `data`, and what each parse gives when both accept. */
function verdicts(name: ContractName | CheckName, data: Json) {
  const zodResult = SCHEMAS[name].safeParse(structuredClone(data));
  const ajvData = structuredClone(data);
  const ajvOk = validators[name](ajvData);
  return { zod: zodResult.success, ajv: ajvOk, zodValue: zodResult.data, ajvValue: ajvData };
}

/**
 * zod's and Ajv's verdicts on every mutation of each sample: each node retyped or pushed to an edge,
 * each field removed, an unknown key added to each object. Where both accept, the values must match.
 */
function compareOnMutations(samples: { name: ContractName | CheckName; event: Json }[]) {
  let tried = 0;
  let rejected = 0;
  const disagreements: string[] = [];
  for (const { name, event } of samples) {
    for (const path of pathsOf(event)) {
      const node = path.reduce<Json>((at, key) => (at as Record<string | number, Json>)[key] as Json, event);
      const mutants: Json[] = replacements(node).map((wrong) =>
        mutate(event, path, (parent, key) => {
          parent[key] = wrong;
        }),
      );
      if (path.length > 0 && typeof path.at(-1) === 'string')
        mutants.push(mutate(event, path, (parent, key) => delete parent[key]));
      if (node && typeof node === 'object' && !Array.isArray(node))
        mutants.push(
          mutate(event, [...path, 'unexpectedKey'], (parent, key) => {
            parent[key] = 1;
          }),
        );
      for (const mutant of mutants) {
        tried += 1;
        const v = verdicts(name, mutant);
        if (!v.zod) rejected += 1;
        if (v.zod !== v.ajv)
          disagreements.push(`${name} ${JSON.stringify(path)}: zod ${v.zod}, ajv ${v.ajv}`);
        else if (v.zod) expect(v.ajvValue, `${name} ${JSON.stringify(path)}`).toEqual(v.zodValue);
      }
    }
  }
  return { tried, rejected, disagreements };
}

describe('the generated validators', () => {
  it('are what src/schemas.ts generates today (npm run generate:validators)', () => {
    expect(readFileSync(join(dir, 'validators.generated.mjs'), 'utf8')).toBe(validatorsSource());
    expect(readFileSync(join(dir, 'validators.generated.d.mts'), 'utf8')).toBe(declarationsSource());
  });

  it('cover every Task state and page function', () => {
    expect(Object.keys(CONTRACTS).sort()).toEqual(
      [...TASK_STATES, ...PAGE_FUNCTIONS].map((state) => `${state}Input`).sort(),
    );
  });

  describe("on the demo run's own state inputs", () => {
    const inputs = new Map<TaskStateName, Json[]>();
    beforeAll(async () => {
      const path = join(import.meta.dirname, '../../examples/demo-scenario.json');
      const { input, expect: _e, description: _d, ...scenario } = JSON.parse(readFileSync(path, 'utf8'));
      const record =
        (state: TaskStateName): HandlerOverride =>
        (event, next) => {
          inputs.set(state, [...(inputs.get(state) ?? []), structuredClone(event) as Json]);
          return next(event);
        };
      const handlerOverrides = Object.fromEntries(TASK_STATES.map((state) => [state, record(state)]));
      // Once per wait mode: the polling loop's states and the event-driven wait's.
      for (const waitMode of ['polling', 'events'])
        await runStateMachine({
          input: { ...input, waitMode },
          account: accountFromScenario(scenario),
          handlerOverrides,
        });
    });

    it('accept every input the run gave, with the value zod parses', () => {
      expect([...inputs.keys()].sort()).toEqual([...TASK_STATES].sort());
      for (const [state, events] of inputs) {
        for (const event of events) {
          const { zod, ajv, zodValue, ajvValue } = verdicts(`${state}Input`, event);
          expect({ state, zod, ajv }).toEqual({ state, zod: true, ajv: true });
          expect(ajvValue).toEqual(zodValue);
        }
      }
    });

    it("give zod's verdict on every mutation of them: a field removed, retyped, pushed to an edge, or an unknown key added", () => {
      const samples = [...inputs].flatMap(([state, events]) =>
        events.slice(0, 2).map((event) => ({ name: `${state}Input` as ContractName, event })),
      );
      const { tried, rejected, disagreements } = compareOnMutations(samples);
      expect(disagreements).toEqual([]);
      // The mutations are real tests of the contract: most are rejected, some are accepted.
      expect(tried).toBeGreaterThan(1000);
      expect(rejected).toBeGreaterThan(tried / 2);
      expect(rejected).toBeLessThan(tried);
    });

    it('fill in the defaults zod applies: refresh preferences left out', () => {
      // Prepare: a real StartInstanceRefresh input without three of its preferences
      const [event] = inputs.get('StartInstanceRefresh') ?? [];
      const input = structuredClone(event) as { refreshPreferences: Record<string, Json> };
      delete input.refreshPreferences.minHealthyPercentage;
      delete input.refreshPreferences.autoRollback;
      delete input.refreshPreferences.skipMatching;

      // Act
      const { zod, ajv, zodValue, ajvValue } = verdicts(
        'StartInstanceRefreshInput',
        input as unknown as Json,
      );

      // Assess
      expect({ zod, ajv }).toEqual({ zod: true, ajv: true });
      expect(ajvValue).toEqual(zodValue);
      expect(ajvValue).toMatchObject({
        refreshPreferences: { minHealthyPercentage: 90, autoRollback: true, skipMatching: true },
      });
    });
  });

  describe('on execution inputs (ResolveTargets decides with the generated one, words a refusal with zod)', () => {
    const full: Json = {
      targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }, { key: 'team' }] },
      dryRun: true,
      force: false,
      patch: { updates: 'all', timeSync: false },
      refreshPreferences: {
        minHealthyPercentage: 50,
        maxHealthyPercentage: 150,
        instanceWarmup: 60,
        checkpointPercentages: [20, 100],
        checkpointDelay: 600,
        alarmSpecification: { alarms: ['high-5xx'] },
        bakeTime: 300,
        scaleInProtectedInstances: 'Wait',
        standbyInstances: 'Terminate',
        autoRollback: false,
        skipMatching: false,
      },
      untargetedSharers: 'include',
      maxConcurrency: 40,
      pollIntervalSeconds: 30,
      maxWaitSeconds: 3600,
      pruneVersions: { keep: 5 },
    };
    const byNames: Json = { targets: { asgNames: ['web-a', 'web-b'] } };

    it('fill in every default zod applies, nested prefault objects included', () => {
      const { zod, ajv, zodValue, ajvValue } = verdicts('ExecutionInput', byNames);
      expect({ zod, ajv }).toEqual({ zod: true, ajv: true });
      expect(ajvValue).toEqual(zodValue);
      expect(ajvValue).toMatchObject({
        dryRun: false,
        patch: { updates: 'security', timeSync: true },
        refreshPreferences: { minHealthyPercentage: 90, instanceWarmup: 300, autoRollback: true },
        untargetedSharers: 'refuse',
        maxConcurrency: 5,
        pollIntervalSeconds: 60,
        maxWaitSeconds: 14_400,
      });
    });

    it("give zod's verdict on every mutation of an input by names and of one that sets every field", () => {
      const { tried, rejected, disagreements } = compareOnMutations([
        { name: 'ExecutionInput', event: full },
        { name: 'ExecutionInput', event: byNames },
      ]);
      expect(disagreements).toEqual([]);
      expect(tried).toBeGreaterThan(150);
      expect(rejected).toBeGreaterThan(tried / 2);
      expect(rejected).toBeLessThan(tried);
    });
  });
});
