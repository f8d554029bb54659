/**
 * zod's ExecutionInput alone, for ResolveTargets to import only when the generated validator
 * refused an input: a dynamic import of schemas.ts itself would keep every schema in the bundle
 * (a namespace keeps all its exports), this re-export keeps only the one it names.
 */
export { ExecutionInput } from '../../schemas.ts';
