/**
 * Two clients of different capabilities on one upstream, through mcpo's
 * endpoint: each is asked only what it declared. Behind a 2026-07-28
 * upstream (the conformance fixture, whose `test_input_required_result_
 * capabilities` asks only for what the request's `_meta` declares), the
 * upstream sees each client's own capabilities; a 2026-07-28 client answers
 * the `input_required` itself, a 2025-era one is asked by mcpo on its
 * session's stream, on `prompts/get` as on `tools/call`. Behind a 2025-era upstream over stdio (server-everything,
 * whose elicitation tool asks mid-call), a 2025 session that declared
 * elicitation is asked in turn; one that did not is never asked, and the
 * server hears a decline, as a REST caller's call would.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport, type ClientCapabilities } from '@modelcontextprotocol/client';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { everythingStdio, startConformanceServer, type RunningServer } from '../helpers/servers.js';

type Mode = 'auto' | 'legacy';

interface Asked {
  client: Client;
  /** The methods this client was asked, in order. */
  asked: string[];
}

async function connect(url: string, mode: Mode, capabilities: ClientCapabilities): Promise<Asked> {
  const asked: string[] = [];
  const client = new Client({ name: 'capabilities-test', version: '1.0.0' }, { versionNegotiation: { mode }, capabilities } as never);
  if (capabilities.sampling) {
    client.setRequestHandler('sampling/createMessage', () => {
      asked.push('sampling/createMessage');
      return { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model', stopReason: 'endTurn' } as never;
    });
  }
  if (capabilities.elicitation) {
    client.setRequestHandler('elicitation/create', () => {
      asked.push('elicitation/create');
      return { action: 'accept', content: { name: 'Ada', context: 'from the client' } } as never;
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler('roots/list', () => {
      asked.push('roots/list');
      return { roots: [{ uri: 'file:///work', name: 'work' }] } as never;
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, asked };
}

const textOf = (result: unknown): string => ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');

describe('clients of different capabilities on one upstream, through the MCP endpoint', function () {
  this.timeout(60_000);
  let fixture: RunningServer;
  let served: ServedApp;
  before(async () => {
    fixture = await startConformanceServer();
    served = await serveApp({ mcpServers: { conf: { type: 'streamable-http', url: fixture.url }, everything: everythingStdio() } });
  });
  after(async () => {
    await served?.close();
    await fixture?.close();
  });

  for (const mode of ['auto', 'legacy'] as const) {
    it(`asks a 2026-07-28 upstream as each ${mode === 'auto' ? '2026-07-28' : '2025-era'} client, so each answers only what it declared`, async () => {
      const sampler = await connect(`${served.base}/conf/mcp`, mode, { sampling: {} });
      const elicitor = await connect(`${served.base}/conf/mcp`, mode, { elicitation: { form: {} } });
      try {
        const [sampled, elicited] = await Promise.all([
          sampler.client.callTool({ name: 'test_input_required_result_capabilities', arguments: {} }),
          elicitor.client.callTool({ name: 'test_input_required_result_capabilities', arguments: {} }),
        ]);
        expect(sampler.asked).to.deep.equal(['sampling/createMessage']);
        expect(elicitor.asked).to.deep.equal(['elicitation/create']);
        expect(sampled.isError ?? false, textOf(sampled)).to.equal(false);
        expect(elicited.isError ?? false, textOf(elicited)).to.equal(false);
      } finally {
        await Promise.all([sampler.client.close(), elicitor.client.close()]);
      }
    });
  }

  for (const mode of ['auto', 'legacy'] as const) {
    it(`carries a question asked on prompts/get to a ${mode === 'auto' ? '2026-07-28' : '2025-era'} client, and its answer back`, async () => {
      const elicitor = await connect(`${served.base}/conf/mcp`, mode, { elicitation: { form: {} } });
      try {
        const prompt = await elicitor.client.getPrompt({ name: 'test_input_required_result_prompt' });
        expect(elicitor.asked).to.deep.equal(['elicitation/create']);
        expect(JSON.stringify(prompt.messages)).to.include('Use this context: from the client');
      } finally {
        await elicitor.client.close();
      }
    });
  }

  it('hands a 2025-era upstream\'s mid-call elicitation to the 2025 session that declared it, and declines it for one that did not', async () => {
    const declared = await connect(`${served.base}/everything/mcp`, 'legacy', { elicitation: { form: {} } });
    const bare = await connect(`${served.base}/everything/mcp`, 'legacy', {});
    try {
      const answered = await declared.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      expect(declared.asked).to.deep.equal(['elicitation/create']);
      expect(textOf(answered)).to.include('Ada');
      const declined = await bare.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      expect(bare.asked).to.deep.equal([]);
      expect(textOf(declined)).to.include('declined');
    } finally {
      await Promise.all([declared.client.close(), bare.client.close()]);
    }
  });
});
