/**
 * Validates a tool's arguments before the call, with express-openapi-validator
 * built from that tool's own validation document, and maps its errors onto
 * mcpo's error classes (a body that breaks the schema is 422, naming the path).
 *
 * One validator per tool, built on first use: the library's route lookup is a
 * linear scan over its documented paths, so a single document with every tool
 * would make each call cost more as servers grow.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { InvalidArgumentsError, McpoError, MethodNotAllowedError, UnsupportedMediaTypeError } from './errors.js';
import { buildValidationDocument } from './openapi.js';
import type { ToolEntry } from './tools.js';

interface ValidatorIssue {
  path?: string;
  message?: string;
}

/** "/body/address/zip" → "address.zip"; the body root is "(body)". */
function fieldPath(path: string | undefined): string {
  const parts = (path ?? '').split('/').filter(Boolean);
  if (parts[0] === 'body') parts.shift();
  return parts.length > 0 ? parts.join('.') : '(body)';
}

/** Translates the validator's error into ours; anything unexpected passes through. */
function translate(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as { status?: number; errors?: ValidatorIssue[]; message?: string };
  if (e.status === 415) return new UnsupportedMediaTypeError();
  if (e.status === 405) return new MethodNotAllowedError('POST');
  if (e.status === 400 && Array.isArray(e.errors)) {
    const issues = e.errors.map((i) => ({ path: fieldPath(i.path), message: i.message ?? 'is invalid' }));
    const summary = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    return new InvalidArgumentsError(`Invalid arguments: ${summary}`, { errors: issues });
  }
  return err;
}

export type ArgumentValidator = (req: Request, res: Response, next: NextFunction) => void;

/** An error that is not about the arguments: the validator itself could not be built or run. */
function isValidatorFailure(err: unknown): boolean {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  return typeof status !== 'number' || status >= 500;
}

/**
 * @param onUnusable told once if the validator cannot work for this tool (a
 *   schema ajv will not compile, say); the tool is then called unvalidated and
 *   the server checks its own arguments, rather than the tool becoming uncallable.
 */
export function createArgumentValidator(entry: ToolEntry, onUnusable: (reason: string) => void): ArgumentValidator {
  let handler: RequestHandler | undefined;
  let usable = true;
  const build = (): RequestHandler => {
    const router = express.Router();
    router.use(
      OpenApiValidator.middleware({
        apiSpec: buildValidationDocument(entry) as never,
        validateRequests: { allowUnknownQueryParameters: true, coerceTypes: false, removeAdditional: false },
        validateResponses: false,
        validateSecurity: false,
        // Our own documents are checked by tests; re-checking each at runtime costs startup time.
        validateApiSpec: false,
        // The library runs ajv with strict off, so a format it does not know is ignored, not fatal.
        validateFormats: true,
        ajvFormats: { mode: 'fast' },
        // Match on the URL inside this router, wherever it is mounted.
        useRequestUrl: true,
        ignoreUndocumented: false,
        // Tool arguments are JSON, never multipart: without this, every request pays for multer's check.
        fileUploader: false,
      }),
    );
    return router;
  };
  return function validateArguments(req, res, next) {
    if (!usable) return next();
    handler ??= build();
    handler(req, res, (err?: unknown) => {
      if (err === undefined || err === 'route' || err === 'router') return next();
      if (isValidatorFailure(err)) {
        usable = false;
        onUnusable(err instanceof Error ? err.message : String(err));
        return next();
      }
      next(translate(err) as McpoError);
    });
  };
}
