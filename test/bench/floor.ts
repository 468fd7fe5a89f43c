/**
 * The floor: a bare Express 5 app that parses JSON and answers the way a
 * tool call through mcpo does, with no MCP behind it. Prints LISTENING <url>.
 */
import express from 'express';

const app = express();
app.use(express.json());
app.post('/ping', (_req, res) => {
  res.json({ ok: true, result: 'pong' });
});
app.post('/nested', (req, res) => {
  res.json({ ok: true, result: typeof req.body === 'object' ? 'ok' : 'no' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) console.log(`LISTENING http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
