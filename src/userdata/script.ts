/**
 * The patch script: src/userdata/patch.sh, with the patch options rendered in at compose time.
 * Rendering is a pure function of the options (no dates, no random values), so composing the same
 * user data twice gives the same bytes and an unchanged launch template stays "already current".
 */

import { issuesOf } from '../contracts/parse-input.ts';
import * as checks from '../contracts/validators.generated.mjs';
import { InputValidationError } from '../errors.ts';
import type { PatchOptions } from '../schemas.ts';
import { PATCH_SH } from './patch-sh.generated.ts';

/** The script's second line (after the shebang): identifies our part and its version. */
export const PATCH_SCRIPT_MARKER = '# asg-patcher managed part v1';

const PLACEHOLDER = /@@[A-Z_]+@@/g;
/** A full-line comment (`#` then a space or nothing); not `#!`, `#clear` or a shellcheck directive. */
const COMMENT_LINE = /^\s*#( |$)(?! *shellcheck )/;

/** How a line of bash ends: inside a quoted string or here-document, or continued by a backslash. */
interface LineEnd {
  /** The quote still open at the end of the line (`'` or `"`), if any. */
  quote: "'" | '"' | undefined;
  /** The delimiters of here-documents opened on this line, in order. */
  heredocs: string[];
  /** True when the line ends with a backslash outside quotes (a line continuation). */
  continued: boolean;
}

const HEREDOC = /^<<-?[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/;

/**
 * Scans one line of bash from `quote` (the quote open at its start): enough of bash's quoting to
 * know where strings and here-documents span lines. A `#` starting a word outside quotes starts a
 * comment; `\` escapes the next character outside single quotes.
 */
function scanLine(line: string, quote: LineEnd['quote']): LineEnd {
  const heredocs: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (c === '\\') {
      if (i === line.length - 1) return { quote, heredocs, continued: true };
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(line.charAt(i - 1)))) {
      break;
    } else if (
      c === '<' &&
      line.charAt(i + 1) === '<' &&
      line.charAt(i + 2) !== '<' &&
      line.charAt(i - 1) !== '<'
    ) {
      const heredoc = HEREDOC.exec(line.slice(i));
      if (heredoc?.[2]) {
        heredocs.push(heredoc[2]);
        i += heredoc[0].length;
        continue;
      }
    }
    i++;
  }
  return { quote, heredocs, continued: false };
}

/**
 * Shrinks the script after the header (the lines before the first blank one) without changing
 * what bash runs: drops full-line comments and blank lines, and the indentation of every line that
 * starts outside a quoted string, a here-document and a backslash continuation. patch.sh keeps
 * them for people; the rendered bytes count against EC2's 16 KB limit (about 1.5 KB raw here).
 * test/userdata/patch-script.test.ts checks that bash reads the result as the same program.
 */
function stripForUserData(script: string): string {
  const lines = script.split('\n');
  const headerEnd = lines.indexOf('');
  const kept = lines.slice(0, headerEnd + 1);
  let quote: LineEnd['quote'];
  let continued = false;
  const heredocs: string[] = [];
  for (const line of lines.slice(headerEnd + 1)) {
    const heredoc = heredocs[0];
    if (heredoc !== undefined) {
      kept.push(line);
      if (line === heredoc) heredocs.shift();
      continue;
    }
    const plain = quote === undefined && !continued;
    if (plain && (line.trim() === '' || COMMENT_LINE.test(line))) continue;
    kept.push(plain ? line.trimStart() : line);
    const end = scanLine(line, quote);
    quote = end.quote;
    continued = end.continued;
    heredocs.push(...end.heredocs);
  }
  return kept.join('\n');
}

/**
 * Renders the patch script for these options: the bytes of our user-data part.
 * @throws InputValidationError when the options do not match the PatchOptions schema
 */
export function renderPatchScript(options: PatchOptions): string {
  // A copy: the check fills in defaults, and the caller's options stay as they were.
  const parsed = structuredClone(options);
  if (!checks.PatchOptions(parsed)) {
    throw new InputValidationError(
      issuesOf(checks.PatchOptions, '').map((issue) => `patch${issue.replaceAll('/', '.')}`),
    );
  }
  const values: Record<string, string> = {
    '@@UPDATES@@': parsed.updates,
    '@@TIME_SYNC@@': parsed.timeSync ? 'true' : 'false',
  };
  return stripForUserData(PATCH_SH).replace(PLACEHOLDER, (placeholder) => {
    const value = values[placeholder];
    if (value === undefined) throw new Error(`patch.sh has an unknown placeholder ${placeholder}`);
    return value;
  });
}
