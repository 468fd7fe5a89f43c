/**
 * Checks a tool's arguments before the call against the tool's input schema,
 * as the published document shows it, and turns a failure into a 422 that
 * names the path (`address.zip`).
 *
 * Each schema is compiled once, on the tool's first call, by Ajv in JSON
 * Schema 2020-12 (the dialect of OpenAPI 3.1), with the options
 * express-openapi-validator gave Ajv for request bodies, so messages and
 * defaults are what they were. That library ran a whole OpenAPI operation
 * match per request (path, media type, security, about 54 µs a call); the
 * compiled schema alone takes under 1 µs.
 *
 * One Ajv per tool list: Ajv keeps every schema it compiled, so an instance
 * shared for the life of the process would grow with each new tool list.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { InvalidArgumentsError } from '../http/errors.js';
import type { ToolEntry } from './tools.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** OpenAPI's numeric and string formats, which JSON Schema does not define. */
const MAX_INT32 = 2 ** 31 - 1;
const OPENAPI_FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n <= MAX_INT32 && n >= -MAX_INT32 - 1 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  float: { type: 'number', validate: (n: number) => Number.isFinite(n) },
  double: { type: 'number', validate: (n: number) => Number.isFinite(n) },
  byte: { type: 'string', validate: (s: string) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) },
  binary: true,
  password: true,
  'media-range': true,
} as const;

export interface ArgumentIssue {
  /** Dotted path of the field, e.g. `address.zip`; `(body)` for the body itself. */
  path: string;
  message: string;
}

export interface ArgumentValidators {
  /**
   * The 422 for arguments that break the tool's schema, or undefined when
   * they pass. Fills in the defaults the schema declares.
   */
  check(entry: ToolEntry, args: unknown): InvalidArgumentsError | undefined;
}

/** Ajv's error → the field it is about: a missing or unexpected property is named, not its parent. */
function issueOf(error: ErrorObject): ArgumentIssue {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  const pointer = extra === undefined ? error.instancePath : `${error.instancePath}/${extra}`;
  const parts = pointer.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return { path: parts.length > 0 ? parts.join('.') : '(body)', message: error.message ?? 'is invalid' };
}

/**
 * A `null` for an optional top-level parameter whose schema does not take
 * null means "not given", as the models that fill these bodies mean it (the
 * Python original drops such values too): the parameter is removed, and the
 * arguments are checked again. Only for the field the error is about, so a
 * schema that accepts null keeps it.
 */
function dropRefusedNull(entry: ToolEntry, args: unknown, errors: ValidateFunction['errors']): boolean {
  const error = errors?.[0];
  if (!error || typeof args !== 'object' || args === null) return false;
  const key = /^\/([^/]+)$/.exec(error.instancePath)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
  const record = args as Record<string, unknown>;
  const required = (entry.inputSchema as { required?: unknown }).required;
  if (key === undefined || record[key] !== null || (Array.isArray(required) && required.includes(key))) return false;
  delete record[key];
  return true;
}

/**
 * @param onUnusable told once per tool whose schema Ajv will not compile; that
 *   tool is then called unvalidated and the server checks its own arguments,
 *   rather than the tool becoming uncallable.
 */
export function argumentValidators(onUnusable: (entry: ToolEntry, reason: string) => void): ArgumentValidators {
  let ajv: Ajv2020 | undefined;
  /** undefined: not compiled yet; null: cannot be compiled. */
  const compiled = new Map<string, ValidateFunction | null>();

  const compile = (entry: ToolEntry): ValidateFunction | null => {
    if (!ajv) {
      ajv = new Ajv2020({
        strict: false,
        strictNumbers: true,
        // A tuple may be open or shorter than its prefix in 2020-12; strict, Ajv refused to compile such a
        // schema and the tool went unvalidated (as draft-07 tuples did, each `items: [...]` now prefixItems).
        strictTuples: false,
        allowUnionTypes: false,
        validateSchema: false,
        coerceTypes: false,
        useDefaults: true,
        removeAdditional: false,
        // One error is enough to answer with, and a body of many bad fields cannot make the answer large.
        allErrors: false,
        logger: false,
        formats: OPENAPI_FORMATS,
      });
      addFormats(ajv, { mode: 'fast' });
    }
    try {
      return ajv.compile({ $ref: `#/components/schemas/${entry.validationComponent}`, components: { schemas: entry.validationSchemas } });
    } catch (err) {
      onUnusable(entry, err instanceof Error ? err.message : String(err));
      return null;
    }
  };

  return {
    check(entry, args) {
      let validate = compiled.get(entry.path);
      if (validate === undefined) {
        validate = compile(entry);
        compiled.set(entry.path, validate);
      }
      if (validate === null || validate(args)) return undefined;
      if (dropRefusedNull(entry, args, validate.errors)) return this.check(entry, args);
      const issues = (validate.errors ?? []).map(issueOf);
      const summary = issues.map((i) => `${i.path} ${i.message}`).join('; ');
      return new InvalidArgumentsError(`Invalid arguments: ${summary}`, { errors: issues });
    },
  };
}
