/**
 * examples/kubernetes/ against the code it deploys: every manifest parses, the
 * Deployment's command line is one bin/args.ts accepts, its probes are routes
 * createApp serves, the ConfigMap's config.json loads with the config loader,
 * ports and names line up across files, every environment variable set is
 * one mcpo reads, and the optional Redis in redis/ is persistent and is where
 * the state-store URL points. It does not talk to a cluster: what Kubernetes itself would
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
import { parseStateKey } from '../lib/state/sealed.js';
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
  const secret = only('Secret', 'mcpo');
  const stateSecret = only('Secret', 'mcpo-state');
  const configMap = only('ConfigMap');
  const service = only('Service', 'mcpo');
  const redis = only('StatefulSet', 'mcpo-redis');

  /**
   * The container's environment with each secretKeyRef read from the Secret it
   * names, as kubelet would; `without` lists Secrets taken to be absent, which
   * only an `optional: true` reference may name.
   */
  function containerEnv(without: readonly string[] = []): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of container.env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (ref === undefined) {
        env[entry.name] = String(entry.value ?? '');
        continue;
      }
      if (without.includes(ref.name)) {
        expect(ref.optional, `${entry.name} is optional, so the pod starts without the Secret ${ref.name}`).to.equal(true);
        continue;
      }
      const from = manifests.find(({ doc }) => doc.kind === 'Secret' && doc.metadata?.name === ref.name);
      expect(from, `${entry.name} comes from a Secret ${ref.name} in examples/kubernetes/`).to.not.equal(undefined);
      const value = from!.doc.stringData?.[ref.key];
      expect(value, `${from!.file} has the key ${ref.key}`).to.be.a('string');
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
    expect(options.stateStore, 'with redis/secret.yaml, the state lives in Redis').to.equal(stateSecret.stringData!['state-store']);
    // A key of another length stops mcpo at start; unquoted in YAML, the placeholder would be a number.
    expect(() => parseStateKey(containerEnv().MCPO_STATE_KEY!)).to.not.throw();
  });

  it('starts with the file store when the optional mcpo-state Secret is not there', () => {
    const invocation = parseArgs(container.args, containerEnv([stateSecret.metadata!.name!]));
    expect(invocation.kind).to.equal('serve');
    if (invocation.kind !== 'serve') return;
    expect(invocation.options.stateStore).to.equal(undefined);
    expect(invocation.options.stateDir).to.be.a('string');
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
    const redisPod = redis.spec.template.spec;
    for (const svc of manifests.filter(({ doc }) => doc.kind === 'Service').map(({ doc }) => doc)) {
      // Redis's own Service is checked below; every other one fronts mcpo.
      if (svc.metadata!.name === redis.spec.serviceName) {
        expect(svc.spec.selector, `${svc.metadata!.name} selects the Redis pod`).to.deep.equal(redis.spec.selector.matchLabels);
        expect(redis.spec.template.metadata.labels).to.include(svc.spec.selector);
        const opened: { name?: string; containerPort: number }[] = redisPod.containers[0].ports;
        for (const port of svc.spec.ports) expect(opened.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort), `${svc.metadata!.name} targetPort ${port.targetPort}`).to.equal(true);
        continue;
      }
      expect(svc.spec.selector).to.deep.equal(deployment.spec.selector.matchLabels);
      for (const port of svc.spec.ports) expect(byName(port.targetPort), `${svc.metadata!.name} targetPort ${port.targetPort}`).to.equal(invocation.options.port);
    }
    // The mcpo Services must not pick up the Redis pod, nor the Redis Service mcpo's pods.
    const mcpoLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const redisLabels = redis.spec.template.metadata.labels as Record<string, string>;
    expect(Object.entries(deployment.spec.selector.matchLabels).every(([k, v]) => redisLabels[k] === v), 'the Redis pod does not carry mcpo\'s labels').to.equal(false);
    expect(Object.entries(redis.spec.selector.matchLabels).every(([k, v]) => mcpoLabels[k] === v), 'mcpo\'s pods do not carry the Redis labels').to.equal(false);
    expect(service.spec.sessionAffinity ?? 'None', 'the default Service is not sticky; sticky/ is the opt-in').to.equal('None');
    const ingress = only('Ingress');
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).to.equal(service.metadata!.name);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).to.include(backend.port.name);
  });

  it('sets only environment variables mcpo reads, or that config.json names', () => {
    const read = envNamesRead();
    // Guards the scan itself: were it to find nothing, the check below would pass on anything.
    expect([...read]).to.include.members(['MCPO_API_KEY', 'MCPO_CONTINUATION_SECRET', 'MCPO_STATE_DIR', 'MCPO_STATE_STORE', 'MCPO_STATE_KEY']);
    const named = new Set([...configMap.data!['config.json']!.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const { name } of container.env ?? []) expect(read.has(name) || named.has(name), `mcpo reads ${name}`).to.equal(true);
  });

  describe('the optional Redis in redis/', () => {
    const redisContainer = () => redis.spec.template.spec.containers[0];

    it('runs one Redis with --appendonly yes, so acknowledged writes survive its restart', () => {
      expect(redis.spec.replicas).to.equal(1);
      const args: string[] = [...(redisContainer().command ?? []), ...(redisContainer().args ?? [])].map(String);
      const at = args.indexOf('--appendonly');
      expect(at, `${args.join(' ')} has --appendonly`).to.be.at.least(0);
      expect(args[at + 1]).to.equal('yes');
      // The data directory is on a volume that outlives the pod.
      const claims = (redis.spec.volumeClaimTemplates ?? []).map((c: { metadata: { name: string } }) => c.metadata.name);
      const mount = redisContainer().volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/data');
      expect(claims).to.include(mount?.name);
    });

    it('is the Service the state-store URL names, with the password the Secret gives Redis', () => {
      const url = new URL(stateSecret.stringData!['state-store']!);
      expect(url.protocol).to.equal('redis:');
      const svc = only('Service', url.hostname);
      expect(svc.spec.ports.map((p: { port: number }) => p.port)).to.include(Number(url.port || '6379'));
      expect(svc.metadata!.name, 'the StatefulSet is governed by that Service').to.equal(redis.spec.serviceName);
      const args: string[] = (redisContainer().args ?? []).map(String);
      const ref = args[args.indexOf('--requirepass') + 1]!.match(/^\$\(([A-Z_]+)\)$/)?.[1];
      const env = redisContainer().env.find((e: { name: string }) => e.name === ref);
      expect(env?.valueFrom?.secretKeyRef, `--requirepass comes from the env var ${ref}`).to.deep.include({ name: stateSecret.metadata!.name });
      expect(decodeURIComponent(url.password)).to.equal(stateSecret.stringData![env.valueFrom.secretKeyRef.key]);
    });
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
