/**
 * lib/mcp/call-result.ts: the check a tools/call result passes before mcpo
 * reads it, run the way the SDK runs a Standard Schema.
 */
import { expect } from 'chai';
import { CallToolResultCheck } from '../../lib/mcp/call-result.js';

const check = (value: unknown) => CallToolResultCheck['~standard'].validate(value) as { value?: unknown; issues?: { message: string }[] };

describe('CallToolResultCheck', () => {
  it('passes every content type mcpo reads, and one it does not know, unchanged', () => {
    const result = {
      content: [
        { type: 'text', text: 'hi' },
        { type: 'image', data: 'iVBOR', mimeType: 'image/png' },
        { type: 'audio', data: 'UklGR', mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'test://a', text: 'a' } },
        { type: 'resource', resource: { uri: 'test://b', blob: 'Yg==' } },
        { type: 'resource_link', uri: 'test://c', name: 'c' },
        { type: 'hologram', frames: 3 },
      ],
      structuredContent: { a: 1 },
      isError: false,
    };
    expect(check(result)).to.deep.equal({ value: result });
  });

  it('reads a missing content as an empty one', () => {
    expect(check({ structuredContent: { sum: 3 } })).to.deep.equal({ value: { structuredContent: { sum: 3 }, content: [] } });
  });

  for (const [what, value, words] of [
    ['not an object', 'text', /not an object/],
    ['content that is not an array', { content: 'not an array' }, /"content" is not an array/],
    ['an item without a type', { content: [{ text: 'x' }] }, /string "type"/],
    ['a text item without text', { content: [{ type: 'text', text: 3 }] }, /text item/],
    ['an image without its MIME type', { content: [{ type: 'image', data: 'x' }] }, /image item/],
    ['a resource without a uri', { content: [{ type: 'resource', resource: { text: 'x' } }] }, /"uri"/],
    ['a resource with neither text nor blob', { content: [{ type: 'resource', resource: { uri: 'u' } }] }, /neither/],
    ['a resource link without a name', { content: [{ type: 'resource_link', uri: 'u' }] }, /resource_link/],
    ['isError that is not a boolean', { content: [], isError: 'yes' }, /isError/],
  ] as const) {
    it(`refuses ${what}, saying what is wrong`, () => {
      const { issues } = check(value);
      expect(issues).to.have.length(1);
      expect(issues![0]!.message).to.match(words);
    });
  }
});
