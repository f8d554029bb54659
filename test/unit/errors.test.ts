import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.ts';

describe('errors', () => {
  it('every exported error class is listed in ERROR_NAMES under its own name', () => {
    const classNames = Object.entries(errors)
      .filter(
        ([, value]) =>
          typeof value === 'function' &&
          (value as { prototype: unknown }).prototype instanceof errors.AsgPatcherError,
      )
      .map(([exported]) => exported)
      .sort();
    expect(classNames).toEqual([...errors.ERROR_NAMES].sort());
  });

  it('an instance carries the fixed name Step Functions matches and keeps its cause', () => {
    const cause = new Error('Rate exceeded');
    const error = new errors.AsgNotFoundError('web', { cause });
    expect(error.name).toBe('AsgNotFoundError');
    expect(error.message).toContain('web');
    expect(error.cause).toBe(cause);
  });
});
