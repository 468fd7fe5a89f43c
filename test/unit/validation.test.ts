/**
 * lib/validation.ts: one express-openapi-validator per tool, its errors in
 * mcpo's terms, and a validator that cannot work never making a tool uncallable.
 */
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorBody, toHttpError } from '../../lib/errors.js';
import { buildToolTable } from '../../lib/tools.js';
import { createArgumentValidator } from '../../lib/validation.js';

function appFor(tool: Tool, onUnusable: (reason: string) => void) {
  const [entry] = buildToolTable([tool], { maxRecursion: 3, onWarning: () => {} }).entries;
  const validate = createArgumentValidator(entry!, onUnusable);
  return express()
    .use(express.json())
    .post(`/${entry!.path}`, validate, (req, res) => {
      res.json({ passed: req.body });
    })
    .use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = toHttpError(err);
      res.status(e.status).json(errorBody(e));
    });
}

describe('createArgumentValidator', () => {
  const address: Tool = {
    name: 'user',
    inputSchema: {
      type: 'object',
      properties: { address: { $ref: '#/$defs/Address' } },
      required: ['address'],
      $defs: { Address: { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } }, required: ['zip'] } },
    } as Tool['inputSchema'],
  };

  it('passes valid arguments on, with declared defaults filled in', async () => {
    const app = appFor(
      { name: 'echo', inputSchema: { type: 'object', properties: { n: { type: 'integer', default: 1 } } } },
      () => {},
    );
    const res = await request(app).post('/echo').send({}).expect(200);
    expect(res.body.passed).to.deep.equal({ n: 1 });
  });

  it('answers 422 with every failing field path', async () => {
    const res = await request(appFor(address, () => {})).post('/user').send({ address: { zip: 'abc' } }).expect(422);
    expect(res.body.error.code).to.equal('invalid_arguments');
    expect(res.body.error.data.errors).to.deep.include({ path: 'address.zip', message: 'must match pattern "^[0-9]{5}$"' });
    const missing = await request(appFor(address, () => {})).post('/user').send({}).expect(422);
    expect(missing.body.error.message).to.contain('address');
  });

  it('lets the call through unvalidated, and says so once, when the schema cannot be compiled', async () => {
    const reasons: string[] = [];
    // Valid JSON Schema shape, but ajv refuses to compile an empty enum.
    const app = appFor(
      { name: 'odd', inputSchema: { type: 'object', properties: { never: { enum: [] } } } as Tool['inputSchema'] },
      (reason) => reasons.push(reason),
    );
    await request(app).post('/odd').send({ never: 1 }).expect(200);
    await request(app).post('/odd').send({ never: 2 }).expect(200);
    expect(reasons).to.have.length(1);
  });
});
