/** A logger that records what it is told, for asserting on warnings. */
import type { Logger } from '../../lib/index.js';

export interface Recorded {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { records: Recorded[] } {
  const records: Recorded[] = [];
  const at = (level: Recorded['level']) => (message: string, fields?: Record<string, unknown>) => {
    records.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
