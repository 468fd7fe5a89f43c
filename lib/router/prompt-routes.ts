/**
 * A server's prompts over HTTP, at the router's mount path:
 *
 * - `GET prompts`: every prompt the server lists (all pages), with its
 *   declared arguments;
 * - `POST prompts/<name>`: the prompt rendered with the JSON body as its
 *   arguments, answered as `{ ok, description?, messages: [{ role, content }] }`
 *   where each content item is mapped as a tool result's is
 *   (http/results.ts): text, images as data URIs, embedded resources.
 *
 * The body is checked against the arguments the prompt declares: each value
 * a string (as the protocol has them), none undeclared, every required one
 * present; otherwise a 422 that lists what is wrong. The list is asked for
 * on each call, so the check follows a list that changed.
 */
import express, { type Router } from 'express';
import { InvalidArgumentsError, MethodNotAllowedError, NotFoundError } from '../http/errors.js';
import { toOutputItem } from '../http/results.js';
import { getPrompt, listPrompts, type ListedPrompt, type RenderedPrompt } from '../mcp/prompts.js';
import { sendFor, type FeatureContext } from './feature-request.js';

/** What is wrong with `body` as the arguments of `prompt`; empty when nothing is. */
export function argumentProblems(prompt: ListedPrompt, body: Record<string, unknown>): string[] {
  const declared = new Map((prompt.arguments ?? []).map((a) => [a.name, a]));
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    if (!declared.has(name)) problems.push(`"${name}" is not an argument of this prompt`);
    else if (typeof value !== 'string') problems.push(`"${name}" must be a string`);
  }
  for (const arg of declared.values()) {
    if (arg.required === true && !Object.hasOwn(body, arg.name)) problems.push(`"${arg.name}" is required`);
  }
  return problems;
}

function rendered(prompt: RenderedPrompt): Record<string, unknown> {
  return {
    ok: true,
    ...(prompt.description !== undefined ? { description: prompt.description } : {}),
    messages: prompt.messages.map((m) => ({ role: m.role, content: toOutputItem(m.content) })),
  };
}

export function promptRoutes(ctx: FeatureContext): Router {
  const router = express.Router({ caseSensitive: true, strict: false });

  router.get('/prompts', function listPromptsRoute(req, res, next) {
    sendFor(ctx, req, res, next, 'prompts', { subject: 'prompts/list', during: 'prompts/list' },
      ({ client, timeoutMs, signal }) => listPrompts(client, { pageTimeoutMs: timeoutMs, deadline: Date.now() + timeoutMs, signal }, ctx.logger),
      (prompts) => res.json({ ok: true, prompts }));
  });

  router.post('/prompts/:name', function getPromptRoute(req, res, next) {
    const name = req.params.name!;
    const label = { subject: `Prompt "${name}"`, during: `the request for prompt "${name}"` };
    ctx.readArguments(req).then((body) => {
      sendFor(ctx, req, res, next, 'prompts', label, async ({ client, timeoutMs, signal }) => {
        const deadline = Date.now() + timeoutMs;
        const prompts = await listPrompts(client, { pageTimeoutMs: timeoutMs, deadline, signal }, ctx.logger);
        const prompt = prompts.find((p) => p.name === name);
        if (!prompt) throw new NotFoundError(`No prompt named "${name}"`, 'unknown_prompt');
        const problems = argumentProblems(prompt, body);
        if (problems.length > 0) throw new InvalidArgumentsError(`Invalid arguments for prompt "${name}": ${problems.join('; ')}`, { problems });
        return getPrompt(client, name, body as Record<string, string>, { timeoutMs: Math.max(1, deadline - Date.now()), signal });
      }, (prompt) => res.json(rendered(prompt)));
    }, next);
  });

  router.all('/prompts/:name', function promptMethod(_req, _res, next) {
    next(new MethodNotAllowedError('POST'));
  });

  return router;
}
