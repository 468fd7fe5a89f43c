/**
 * examples/kubernetes/ against the code it deploys: every manifest parses, the
 * Deployment's command line is one bin/args.ts accepts, its probes are routes
 * createApp serves, the ConfigMap's config.json loads with the config loader,
 * ports and names line up across files, and every environment variable set is
 * one mcpo reads. It does not talk to a cluster: what Kubernetes itself would
 * accept is left to `kubectl apply --dry-run`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
import { parseArgs } from '../bin/args.js';
import { createApp, parseConfig, silentLogger, type McpoApp } from '../lib/index.js';
import { kitchenSinkStdio } from './helpers/servers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = path.join(ROOT, 'examples', 'kubernetes');

// Only the fields the assertions read; the rest of each manifest is left untyped.
interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a manifest's spec is deep and varied; the assertions check its shape
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function loadManifests(): { file: string; doc: Manifest }[] {
  const out: { file: string; doc: Manifest }[] = [];
  for (const file of yamlFiles(DIR)) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${path.relative(ROOT, file)}: ${document.errors[0]!.message}`);
      const doc = document.toJS() as Manifest | null;
      if (doc !== null) out.push({ file: path.relative(ROOT, file), doc });
    }
  }
  return out;
}

/** Every UPPER_CASE name the sources read as `env.NAME` or `process.env['NAME']`. */
function envNamesRead(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['lib', 'bin']) {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
      for (const match of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b|\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) names.add((match[1] ?? match[2])!);
    }
  }
  return names;
}

describe('examples/kubernetes', function () {
  this.timeout(30_000);
  const manifests = loadManifests();
  const only = (kind: string, name?: string) => {
    const found = manifests.filter(({ doc }) => doc.kind === kind && (name === undefined || doc.metadata?.name === name));
    expect(found, `one ${kind}${name ? ` named ${name}` : ''} in examples/kubernetes/`).to.have.length(1);
    return found[0]!.doc;
  };
  const deployment = only('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const secret = only('Secret');
  const configMap = only('ConfigMap');
  const service = only('Service', 'mcpo');

  /** The container's environment with each secretKeyRef read from secret.yaml, as kubelet would. */
  function containerEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of container.env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (ref === undefined) {
        env[entry.name] = String(entry.value ?? '');
        continue;
      }
      expect(ref.name, `${entry.name} comes from the Secret in secret.yaml`).to.equal(secret.metadata!.name);
      const value = secret.stringData?.[ref.key];
      expect(value, `secret.yaml has the key ${ref.key}`).to.be.a('string');
      env[entry.name] = value!;
    }
    return env;
  }

  it('gives every document an apiVersion, a kind and a name', () => {
    expect(manifests.length).to.be.at.least(5);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, `${file}: apiVersion`).to.be.a('string').and.not.equal('');
      expect(doc.kind, `${file}: kind`).to.be.a('string').and.not.equal('');
      expect(doc.metadata?.name, `${file}: metadata.name`).to.be.a('string').and.not.equal('');
    }
  });

  it("runs the image's own entry point, as the Dockerfile names it", () => {
    const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(entrypoint, 'the Dockerfile has an exec-form ENTRYPOINT').to.not.equal(null);
    const [node, script] = JSON.parse(entrypoint![1]!) as string[];
    expect(container.command).to.deep.equal([node, script]);
  });

  it('passes mcpo only flags that bin/args.ts accepts, with the environment the Secret gives it', () => {
    const invocation = parseArgs(container.args, containerEnv());
    expect(invocation.kind).to.equal('serve');
    if (invocation.kind !== 'serve') return;
    const { options } = invocation;
    expect(options).to.include({ host: '0.0.0.0', hotReload: true, apiKey: secret.stringData!['api-key'] });
    expect(options.continuationSecret, 'every replica signs continuations with the shared secret').to.equal(secret.stringData!['continuation-secret']);
    expect(options.config).to.be.a('string');
    const stateDir = options.stateDir!;
    const stateMount = container.volumeMounts.find((m: { mountPath: string }) => stateDir.startsWith(`${m.mountPath}/`));
    expect(stateMount, `--state-dir ${stateDir} is inside a mounted volume, below its root`).to.not.equal(undefined);
    expect(stateMount.readOnly ?? false).to.equal(false);
  });

  it("mounts the ConfigMap's config.json where --config looks, as a whole directory", () => {
    const invocation = parseArgs(container.args, containerEnv());
    if (invocation.kind !== 'serve') throw new Error('not a serve invocation');
    const file = invocation.options.config!;
    const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === path.posix.dirname(file));
    expect(mount, `a volume mounted at ${path.posix.dirname(file)}`).to.not.equal(undefined);
    // A subPath mount is never updated, so --hot-reload would see nothing.
    expect(mount.subPath).to.equal(undefined);
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume.configMap?.name).to.equal(configMap.metadata!.name);
    expect(configMap.data).to.have.property(path.posix.basename(file));
  });

  it("has a config.json that the project's config loader accepts, with only the Deployment's environment", () => {
    const config = parseConfig(configMap.data!['config.json']!, { file: 'configmap.yaml', env: containerEnv() });
    expect(config.servers.length).to.be.at.least(1);
    expect(config.warnings).to.deep.equal([]);
  });

  it("sends the Service's traffic to the port mcpo listens on", () => {
    const invocation = parseArgs(container.args, containerEnv());
    if (invocation.kind !== 'serve') throw new Error('not a serve invocation');
    const ports: { name?: string; containerPort: number }[] = container.ports;
    const byName = (ref: string | number) => ports.find((p) => p.name === ref || p.containerPort === ref)?.containerPort;
    expect(byName(invocation.options.port), 'the container opens --port').to.equal(invocation.options.port);
    for (const svc of manifests.filter(({ doc }) => doc.kind === 'Service').map(({ doc }) => doc)) {
      expect(svc.spec.selector).to.deep.equal(deployment.spec.selector.matchLabels);
      for (const port of svc.spec.ports) expect(byName(port.targetPort), `${svc.metadata!.name} targetPort ${port.targetPort}`).to.equal(invocation.options.port);
    }
    expect(service.spec.sessionAffinity ?? 'None', 'the default Service is not sticky; sticky/ is the opt-in').to.equal('None');
    const ingress = only('Ingress');
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).to.equal(service.metadata!.name);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).to.include(backend.port.name);
  });

  it('sets only environment variables mcpo reads, or that config.json names', () => {
    const read = envNamesRead();
    // Guards the scan itself: were it to find nothing, the check below would pass on anything.
    expect([...read]).to.include.members(['MCPO_API_KEY', 'MCPO_CONTINUATION_SECRET', 'MCPO_STATE_DIR']);
    const named = new Set([...configMap.data!['config.json']!.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const { name } of container.env ?? []) expect(read.has(name) || named.has(name), `mcpo reads ${name}`).to.equal(true);
  });

  describe('the probes', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp({ mcpServers: { sink: kitchenSinkStdio() } }, { apiKey: 'probe-test-key-0123', strictAuth: true, logger: silentLogger });
      await app.ready();
    });
    after(() => app?.close());

    for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
      it(`points the ${probe} at a route createApp answers with 200, without the key`, async () => {
        const { path: probePath, port } = container[probe].httpGet;
        const opened = container.ports.find((p: { name?: string; containerPort: number }) => p.name === port || p.containerPort === port);
        expect(opened?.containerPort, `the ${probe}'s port ${port}`).to.equal(8000);
        await request(app).get(probePath).expect(200).expect('Content-Type', /json/);
      });
    }

    it('uses /healthz for liveness and /readyz for readiness', () => {
      expect(container.livenessProbe.httpGet.path).to.equal('/healthz');
      expect(container.readinessProbe.httpGet.path).to.equal('/readyz');
    });

    it('gives the pod longer to stop than --grace-period gives calls in flight', () => {
      const invocation = parseArgs(container.args, containerEnv());
      if (invocation.kind !== 'serve') throw new Error('not a serve invocation');
      expect(pod.terminationGracePeriodSeconds).to.be.above(invocation.options.gracePeriod);
    });
  });
});
