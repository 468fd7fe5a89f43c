/**
 * The error answers a tool's operation documents: the error envelope, the
 * 409 `input_required` body with a real example, and the `Mcp-Continuation`
 * header that answers it. document.ts puts them on each operation.
 */
import type { OpenAPIV3_1 } from 'openapi-types';

type Schema = OpenAPIV3_1.SchemaObject;

/** `{ ok: false, error: { … } }` with these fields in `error`. */
const REQUEST_ID: Schema = { type: 'string', description: 'The request’s `X-Request-Id`, to quote to an operator.' };

function errorEnvelope(required: string[], fields: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required: ['ok', 'error'],
    properties: {
      ok: { const: false } as Schema,
      error: { type: 'object', required, properties: { ...fields, requestId: REQUEST_ID } },
    },
  };
}

export const ERROR_SCHEMA = errorEnvelope(['message', 'code'], {
  message: { type: 'string' },
  code: { type: 'string', description: 'A stable snake_case code, e.g. invalid_arguments or timeout.' },
  data: { description: 'Details, such as the failing field paths.' },
});

/** The 409 body: the error envelope, with the server's questions and the continuation to repeat the call with. */
export const INPUT_REQUIRED_SCHEMA = errorEnvelope(['message', 'code', 'inputRequests', 'continuation'], {
  message: { type: 'string', description: 'The first question, in words.' },
  code: { const: 'input_required' } as Schema,
  inputRequests: {
    type: 'object',
    description:
      'The server’s requests for input, keyed as the server keyed them; each has a `method` (such as `elicitation/create`) and its `params` (for an elicitation: `message` and `requestedSchema`).',
    additionalProperties: { type: 'object', required: ['method'], properties: { method: { type: 'string' }, params: { type: 'object' } } },
  },
  continuation: { type: 'string', description: 'Send it back in the `Mcp-Continuation` header of the repeated call.' },
});

/** The header that repeats a call with the answers to a 409's questions. */
export const CONTINUATION_PARAMETER = {
  name: 'Mcp-Continuation',
  in: 'header',
  required: false,
  description:
    'Only to answer a 409 `input_required`: its `error.continuation`. The body is then the answers, keyed like `error.inputRequests`, e.g. `{"confirm": {"action": "accept", "content": {"confirm": true}}}`.',
  schema: { type: 'string' },
} as const;

/**
 * A 409 body as mcpo sends one (test/router/modern.test.ts compares its shape
 * with a real answer), so Swagger UI shows a question and its answer's key
 * rather than `additionalProp1` and `"string"`.
 */
export const INPUT_REQUIRED_EXAMPLE = {
  ok: false,
  error: {
    message: 'Really deploy?',
    code: 'input_required',
    inputRequests: {
      confirm: {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message: 'Really deploy?',
          requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Confirm' } }, required: ['confirm'] },
        },
      },
    },
    requestId: '0b5d8f1e-6c3a-4e59-9a7e-2f4c1d8b3a60',
    continuation: 'Rcy9DoIwFIbhe_nmLoBYOaMji1EXf2JMwYM2RVrbamwI9-6icX2T5x0Rre1BaO3QaX8_qzZqO0BA-WsAjfgGwoVdbxMmAcMpgI4_g5OA58eTQ9xGFRkETvVtX2xck8_0StfmsFuGpjC6W0MgsH-x_x8F-O1AmazmZbbIpMzLavoA.fn8M5u7MhK1oVSzlj7M-pJnHJjhvcWsuVHRUFHxs54g',
  },
} as const;

/** The error responses every tool can give, in the status table's order. */
const ERROR_RESPONSES: ReadonlyArray<[string, string]> = [
  ['400', 'Malformed JSON or a bad timeout'],
  ['404', 'Unknown tool'],
  ['409', 'The MCP server needs input first: answer `error.inputRequests` and repeat the call with the `Mcp-Continuation` header'],
  ['415', 'The body is not JSON'],
  ['422', 'The arguments do not match the tool’s input schema'],
  ['500', 'The tool reported an error'],
  ['502', 'The MCP server failed or broke the protocol'],
  ['503', 'The MCP server is not connected; retry after Retry-After seconds'],
  ['504', 'The tool did not answer in time'],
];

/** The error responses of one tool's operation: 401 where a key is asked for, 409 where the server can ask for input. */
export function errorResponses(bearerAuth: boolean | undefined, asksForInput: boolean): OpenAPIV3_1.ResponsesObject {
  const responses: OpenAPIV3_1.ResponsesObject = {};
  const errors = bearerAuth ? [['401', 'Missing or wrong API key'] as const, ...ERROR_RESPONSES] : ERROR_RESPONSES;
  for (const [status, description] of errors) {
    if (status === '409' && !asksForInput) continue;
    const content: OpenAPIV3_1.MediaTypeObject = status === '409'
      ? { schema: { $ref: '#/components/schemas/InputRequired' }, example: INPUT_REQUIRED_EXAMPLE }
      : { schema: { $ref: '#/components/schemas/Error' } };
    responses[status] = { description, content: { 'application/json': content } };
  }
  return responses;
}

