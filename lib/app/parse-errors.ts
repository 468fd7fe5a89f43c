/**
 * JSON syntax errors in words. jsonc-parser reports a code name such as
 * `CommaExpected`; a person fixing a config file should read "expected a
 * comma". The line and column are added by the caller (config.ts); this
 * module only chooses the words. Pure.
 */
import { printParseErrorCode, type ParseError } from 'jsonc-parser';

type ParseErrorName = Exclude<ReturnType<typeof printParseErrorCode>, '<unknown ParseErrorCode>'>;

/** jsonc-parser's error codes in words; keyed by name, so a code added to the parser fails the build until it has words. */
const PARSE_ERROR_WORDS: Readonly<Record<ParseErrorName, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected a colon after the property name',
  CommaExpected: 'expected a comma',
  CloseBraceExpected: 'expected a closing brace "}"',
  CloseBracketExpected: 'expected a closing bracket "]"',
  EndOfFileExpected: 'expected the end of the file after the value',
  InvalidCommentToken: 'not a valid comment',
  UnexpectedEndOfComment: 'a comment that is never closed (a "/*" without "*/")',
  UnexpectedEndOfString: 'a string that is never closed (a missing closing quote)',
  UnexpectedEndOfNumber: 'a number that ends too early',
  InvalidUnicode: 'not a valid unicode escape (write \\u followed by 4 hex digits)',
  InvalidEscapeCharacter: 'not a valid escape in a string (write \\\\ for a backslash)',
  InvalidCharacter: 'a control character in a string (write \\n for a new line, \\t for a tab)',
};

/** A parse error in words, for a person fixing the file. */
export function describeParseError(error: ParseError, text: string): string {
  const name = printParseErrorCode(error.error);
  if (!Object.hasOwn(PARSE_ERROR_WORDS, name)) return `a syntax error (${name})`;
  const words = PARSE_ERROR_WORDS[name as ParseErrorName];
  if (text.trim() === '') return 'the file is empty';
  if (name === 'InvalidSymbol') {
    const char = text.slice(error.offset, error.offset + 1);
    // A bare word or a single quote: JSON5 or JavaScript habits.
    const hint = /[A-Za-z_']/.test(char) ? ' (property names and strings need double quotes)' : '';
    return `${words} ${JSON.stringify(char)}${hint}`;
  }
  // Something expected where the text has already ended: a cut-off file, most likely.
  if (name.endsWith('Expected') && error.offset >= text.trimEnd().length) return `unexpected end of file (${words})`;
  return words;
}
