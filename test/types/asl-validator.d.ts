// asl-validator 4 ships no type declarations; this is the part the tests use.
declare module 'asl-validator' {
  interface AslValidatorError {
    message?: string;
    instancePath?: string;
    schemaPath?: string;
    'Error code'?: string;
  }
  interface AslValidatorResult {
    isValid: boolean;
    errors: AslValidatorError[];
    errorsText: (separator?: string) => string;
  }
  /** Validates a definition. Note: it writes a QueryLanguage into each state, so pass a copy. */
  export default function aslValidator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidatorResult;
}
