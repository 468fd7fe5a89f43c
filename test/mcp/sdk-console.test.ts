/**
 * lib/mcp/sdk-console.ts: what the real SDK writes to the console inside a
 * scope reaches the scope's logger, masked; anything else (the app's own
 * output, the SDK outside a scope) reaches the console as before.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/client';
import { sdkScope } from '../../lib/mcp/sdk-console.js';
import { recordingLogger } from '../helpers/logger.js';

const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** The SDK warns, on the console, when this provider is made without `expectedIssuer`. */
const makeProvider = (clientId = 'client-1') => new PrivateKeyJwtProvider({ clientId, privateKey, algorithm: 'ES256' });

/** What reaches stderr while `work` runs. */
async function stderrOf(work: () => unknown): Promise<string> {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

describe('the SDK\'s console output', () => {
  it('goes to the scope\'s logger at the level the SDK chose, and not to the console', async () => {
    const logger = recordingLogger();
    const printed = await stderrOf(() => sdkScope(logger)(() => makeProvider()));
    expect(printed).to.equal('');
    expect(logger.records).to.have.length(1);
    expect(logger.records[0]).to.include({ level: 'warn' });
    expect(logger.records[0]!.message).to.match(/^\[mcp-sdk\] Omitting `expectedIssuer` is deprecated/);
  });

  it('follows the work across awaits and timers', async () => {
    const logger = recordingLogger();
    await sdkScope(logger)(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      makeProvider();
    });
    expect(logger.records.map((r) => r.level)).to.deep.equal(['warn']);
  });

  it('masks what the scope says is secret at that moment', async () => {
    const logger = recordingLogger();
    const secret = 'expectedIssuer';
    sdkScope(logger, () => [secret])(() => makeProvider());
    expect(logger.records[0]!.message).to.include('Omitting `***` is deprecated').and.not.include(secret);
  });

  it('leaves the app\'s own console output alone, inside a scope or not, and the SDK\'s outside one', async () => {
    const logger = recordingLogger();
    const printed = await stderrOf(() => {
      sdkScope(logger)(() => console.warn('the app says hello'));
      makeProvider();
    });
    expect(printed).to.include('the app says hello').and.include('[mcp-sdk] Omitting `expectedIssuer`');
    expect(logger.records).to.deep.equal([]);
  });
});
