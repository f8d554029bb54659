/**
 * The patch script: src/userdata/patch.sh, with the patch options rendered in at compose time.
 * Rendering is a pure function of the options (no dates, no random values), so composing the same
 * user data twice gives the same bytes and an unchanged launch template stays "already current".
 */
import { InputValidationError } from '../errors.ts';
import { PatchOptions } from '../schemas.ts';
import { PATCH_SH } from './patch-sh.generated.ts';

/** The script's second line (after the shebang): identifies our part and its version. */
export const PATCH_SCRIPT_MARKER = '# asg-patcher managed part v1';

const PLACEHOLDER = /@@[A-Z_]+@@/g;
/** A full-line comment (`#` then a space or nothing); not `#!`, `#clear` or a shellcheck directive. */
const COMMENT_LINE = /^\s*#( |$)(?! *shellcheck )/;

/**
 * Drops the full-line comments after the header (the lines before the first blank one): they
 * document patch.sh in the repository, but the rendered bytes count against EC2's 16 KB limit.
 */
function stripComments(script: string): string {
  const lines = script.split('\n');
  const headerEnd = lines.indexOf('');
  return lines.filter((line, index) => index < headerEnd || !COMMENT_LINE.test(line)).join('\n');
}

/**
 * Renders the patch script for these options: the bytes of our user-data part.
 * @throws InputValidationError when the options do not match the PatchOptions schema
 */
export function renderPatchScript(options: PatchOptions): string {
  const parsed = PatchOptions.safeParse(options);
  if (!parsed.success) {
    throw new InputValidationError(
      parsed.error.issues.map((issue) => `patch.${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const values: Record<string, string> = {
    '@@UPDATES@@': parsed.data.updates,
    '@@TIME_SYNC@@': parsed.data.timeSync ? 'true' : 'false',
  };
  return stripComments(PATCH_SH).replace(PLACEHOLDER, (placeholder) => {
    const value = values[placeholder];
    if (value === undefined) throw new Error(`patch.sh has an unknown placeholder ${placeholder}`);
    return value;
  });
}
