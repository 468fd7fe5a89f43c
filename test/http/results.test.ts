/**
 * Turning an MCP CallToolResult into the HTTP body (lib/http/results.ts).
 */
import { expect } from 'chai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorBody, isMcpoError, MAX_MESSAGE_LENGTH, ToolError } from '../../lib/http/errors.js';
import { toSuccessBody, toToolError, type OutputItem } from '../../lib/http/results.js';

type Content = CallToolResult['content'][number];

const text = (t: string): Content => ({ type: 'text', text: t });
const image: Content = { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' };
const audio: Content = { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' };
const textResource: Content = {
  type: 'resource',
  resource: { uri: 'file:///notes.txt', text: 'the notes', mimeType: 'text/plain' },
};
const blobResource: Content = {
  type: 'resource',
  resource: { uri: 'file:///logo.gif', blob: 'R0lGODlh', mimeType: 'image/gif' },
};
const link: Content = {
  type: 'resource_link',
  uri: 'file:///report.pdf',
  name: 'report',
  mimeType: 'application/pdf',
};

function result(...content: Content[]): CallToolResult {
  return { content };
}

function resultOf(...content: Content[]): unknown {
  return toSuccessBody(result(...content), false).result;
}

function itemsOf(r: CallToolResult): OutputItem[] {
  const body = toSuccessBody(r, true);
  expect(body.output).to.not.equal(undefined);
  return body.output!.items;
}

describe('toSuccessBody', () => {
  describe('one text item', () => {
    const parsed: Array<[string, unknown]> = [
      ['{"a":1,"b":[true]}', { a: 1, b: [true] }],
      ['[1,"two",null]', [1, 'two', null]],
      ['42', 42],
      ['-1.5', -1.5],
      ['true', true],
      ['false', false],
      ['null', null],
      ['"quoted"', 'quoted'],
      ['  {"padded": true}\n', { padded: true }],
    ];
    for (const [input, expected] of parsed) {
      it(`parses ${JSON.stringify(input)} as JSON`, () => {
        expect(resultOf(text(input))).to.deep.equal(expected);
      });
    }

    const kept = ['hello', '12 apples', 'nothing to see', 'true story', '{not json', '-', '', '   ', "'single'"];
    for (const input of kept) {
      it(`keeps ${JSON.stringify(input)} as the string itself`, () => {
        expect(resultOf(text(input))).to.equal(input);
      });
    }
  });

  it('answers { ok: true } and no output envelope by default', () => {
    const body = toSuccessBody(result(text('hi')), false);
    expect(body.ok).to.equal(true);
    expect(body).not.to.have.property('output');
  });

  it('turns an image into a data URI', () => {
    expect(resultOf(image)).to.equal('data:image/png;base64,iVBORw0KGgo=');
  });

  it('turns audio into a data URI', () => {
    expect(resultOf(audio)).to.equal('data:audio/wav;base64,UklGRg==');
  });

  it('gives an embedded text resource as its text', () => {
    expect(resultOf(textResource)).to.equal('the notes');
  });

  it('gives an embedded blob resource as a data URI', () => {
    expect(resultOf(blobResource)).to.equal('data:image/gif;base64,R0lGODlh');
  });

  it('falls back to application/octet-stream for a blob without a mime type', () => {
    const bare: Content = { type: 'resource', resource: { uri: 'file:///x.bin', blob: 'AAEC' } };
    expect(resultOf(bare)).to.equal('data:application/octet-stream;base64,AAEC');
  });

  it('gives a resource_link as the link object', () => {
    expect(resultOf(link)).to.deep.equal(link);
  });

  it('gives several items as an array of their values, in order', () => {
    expect(resultOf(text('first'), text('{"n":2}'), image)).to.deep.equal([
      'first',
      { n: 2 },
      'data:image/png;base64,iVBORw0KGgo=',
    ]);
  });

  it('gives no items as null', () => {
    expect(resultOf()).to.equal(null);
  });

  it('treats a missing content array as no items', () => {
    expect(toSuccessBody({} as CallToolResult, false).result).to.equal(null);
  });

  it('lets structuredContent win as the result', () => {
    const r: CallToolResult = { content: [text('{"temp": 1}')], structuredContent: { temp: 20, unit: 'C' } };
    expect(toSuccessBody(r, false).result).to.deep.equal({ temp: 20, unit: 'C' });
  });

  describe('with structuredOutput', () => {
    it('adds a collection envelope next to the result', () => {
      const body = toSuccessBody(result(text('hi')), true);
      expect(body.ok).to.equal(true);
      expect(body.result).to.equal('hi');
      expect(body.output).to.deep.equal({ type: 'collection', items: [{ type: 'text', value: 'hi' }] });
    });

    it('types each item: text, scalar, list, object, null', () => {
      const items = itemsOf(result(text('hello'), text('42'), text('true'), text('[1]'), text('{"a":1}'), text('null')));
      expect(items.map((i) => i.type)).to.deep.equal(['text', 'scalar', 'scalar', 'list', 'object', 'null']);
      expect(items.map((i) => i.value)).to.deep.equal(['hello', 42, true, [1], { a: 1 }, null]);
    });

    it('types a quoted JSON string as a scalar', () => {
      expect(itemsOf(result(text('"x"')))).to.deep.equal([{ type: 'scalar', value: 'x' }]);
    });

    it('types images and audio with their data URI and mime type', () => {
      expect(itemsOf(result(image, audio))).to.deep.equal([
        { type: 'image', value: 'data:image/png;base64,iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'audio', value: 'data:audio/wav;base64,UklGRg==', mimeType: 'audio/wav' },
      ]);
    });

    it('types embedded resources and resource links as resource', () => {
      expect(itemsOf(result(textResource, blobResource, link))).to.deep.equal([
        { type: 'resource', value: 'the notes', mimeType: 'text/plain' },
        { type: 'resource', value: 'data:image/gif;base64,R0lGODlh', mimeType: 'image/gif' },
        { type: 'resource', value: link, mimeType: 'application/pdf' },
      ]);
    });

    it('uses only the documented item types', () => {
      const allowed = ['text', 'scalar', 'list', 'object', 'null', 'image', 'audio', 'resource'];
      const items = itemsOf(
        result(text('a'), text('1'), text('[]'), text('{}'), text('null'), image, audio, textResource, link),
      );
      expect(items).to.have.length(9);
      for (const item of items) expect(allowed).to.include(item.type);
    });

    it('gives an empty collection for no content and no structuredContent', () => {
      const body = toSuccessBody(result(), true);
      expect(body.result).to.equal(null);
      expect(body.output).to.deep.equal({ type: 'collection', items: [] });
    });

    it('describes structuredContent as one item when there is no content', () => {
      const body = toSuccessBody({ content: [], structuredContent: { temp: 20 } }, true);
      expect(body.result).to.deep.equal({ temp: 20 });
      expect(body.output!.items).to.deep.equal([{ type: 'object', value: { temp: 20 } }]);
    });
  });
});

describe('toToolError', () => {
  it('uses the text as the message, with status 500 and code tool_error', () => {
    const err = toToolError({ content: [text('city not found')], isError: true });
    expect(err).to.be.instanceOf(ToolError);
    expect(isMcpoError(err)).to.equal(true);
    expect(err.message).to.equal('city not found');
    expect(err.status).to.equal(500);
    expect(err.code).to.equal('tool_error');
  });

  it('joins several text items with newlines', () => {
    const err = toToolError({ content: [text('line one'), text('line two')], isError: true });
    expect(err.message).to.equal('line one\nline two');
  });

  it('says the tool reported an error when there is no text', () => {
    const err = toToolError({ content: [], isError: true });
    expect(err.message).to.equal('The tool reported an error');
  });

  it('caps a long message', () => {
    const long = 'e'.repeat(MAX_MESSAGE_LENGTH * 3);
    const err = toToolError({ content: [text(long)], isError: true });
    expect(err.message.length).to.be.at.most(MAX_MESSAGE_LENGTH + 1);
    expect(err.message.startsWith('e'.repeat(100))).to.equal(true);
  });

  it('passes non-text content on as data', () => {
    const err = toToolError({ content: [text('bad image'), image], isError: true });
    expect(err.data).to.deep.equal({ content: ['data:image/png;base64,iVBORw0KGgo='] });
  });

  it('has no data when all content is text', () => {
    expect(toToolError({ content: [text('x')], isError: true }).data).to.equal(undefined);
  });

  it('never puts a stack in its error body', () => {
    const err = toToolError({ content: [text('boom')], isError: true });
    const body = errorBody(err);
    expect(body).to.deep.equal({ ok: false, error: { message: 'boom', code: 'tool_error' } });
    const json = JSON.stringify(body);
    expect(json).not.to.include('stack');
    expect(json).not.to.match(/\bat .*\.ts:\d+/);
  });
});
