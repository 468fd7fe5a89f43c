/**
 * A startup problem that is the user's to fix, such as a file the command
 * line names that cannot be read: the entry point (bin/mcpo.ts) prints it in
 * one line and exits 2. readText reads such a file or throws one.
 */
import { readFileSync } from 'node:fs';
import { fileErrorReason } from '../lib/app/config.js';

export class StartupError extends Error {}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new StartupError(`${what} ${path}: ${fileErrorReason(err)}`);
  }
}
