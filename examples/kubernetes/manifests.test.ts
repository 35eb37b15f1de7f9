// The Kubernetes example is documentation that runs: every manifest parses, every command line it gives the
// image is one the CLI accepts (each flag is in that command's --help), the ConfigMap's config is valid once the
// Secret's variables are set, and the ports the probes, Services and scrape annotations name are the ones the
// commands listen on. No cluster here, so this is what can be checked without one.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { cli, tempDir } from '../../test/cli/helpers.js';

const HERE = import.meta.dirname;

interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  envFrom?: Array<{ secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
  resources?: string[];
}

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(HERE, file), 'utf8')).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return doc.toJS() as Manifest;
  });
}

const files = readdirSync(HERE).filter((f) => f.endsWith('.yaml'));
const all = files.flatMap((file) => manifests(file).map((m) => ({ file, m })));
const byKind = (kind: string) => all.filter(({ m }) => m.kind === kind).map(({ m }) => m);

interface PodOwner {
  name: string;
  annotations: Record<string, string>;
  containers: Container[];
}

function podOwners(): PodOwner[] {
  const owners: PodOwner[] = [];
  for (const m of byKind('Deployment')) {
    const template = (m.spec as { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Container[] } } }).template;
    owners.push({ name: m.metadata.name, annotations: template.metadata.annotations ?? {}, containers: template.spec.containers });
  }
  for (const m of byKind('CronJob')) {
    const spec = m.spec as { jobTemplate: { spec: { template: { spec: { containers: Container[] } } } } };
    owners.push({ name: m.metadata.name, annotations: {}, containers: spec.jobTemplate.spec.template.spec.containers });
  }
  return owners;
}

/** The customer-sync containers (the Dockerfile's image, whose entrypoint is `customer-sync`): their args. */
const cliContainers = () =>
  podOwners().flatMap((owner) =>
    owner.containers
      .filter((c) => /\/customer-sync:[^/]+$/.test(c.image))
      .map((c) => {
        expect(c.command, `${owner.name}: the image's entrypoint runs customer-sync`).toBeUndefined();
        return { owner, container: c, args: c.args ?? [] };
      }),
  );

function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

describe('examples/kubernetes', () => {
  it('lists every manifest in kustomization.yaml, and every manifest parses', () => {
    const [kustomization] = manifests('kustomization.yaml');
    const listed = new Set(kustomization?.resources);
    // The Secret is a template the user fills in, so it is the one left out.
    expect([...listed].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort());
    expect(all.length).toBeGreaterThanOrEqual(9);
  });

  it('runs serve, a worker and the nightly sync from PostgreSQL, all against one Redis', () => {
    const commands = cliContainers().map(({ args }) => args[0]);
    expect(commands.sort()).toEqual(['serve', 'sync', 'worker']);
    const sync = cliContainers().find(({ args }) => args[0] === 'sync')?.args ?? [];
    expect(flagValue(sync, '--input')).toMatch(/^postgresql:\/\/[^@]*$/); // no credentials on the command line
    expect(sync).toContain('--since-last-run');
    expect(sync).toContain('--queue');
    const serve = cliContainers().find(({ args }) => args[0] === 'serve')?.args ?? [];
    expect(serve).toContain('--queue');
  });

  it("gives each command only flags that command's --help lists", async () => {
    const { dir, remove } = tempDir();
    try {
      for (const { args } of cliContainers()) {
        const command = args[0] ?? '';
        const help = await cli([command, '--help'], { cwd: dir });
        expect(help.code, help.stderr).toBe(0);
        for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.stdout, `${command} ${flag}`).toContain(`${flag} `);
      }
    } finally {
      remove();
    }
  });

  it("has a config that is valid once the Secret's variables are set, with every ${VAR} in the Secret", async () => {
    const [configMap] = byKind('ConfigMap');
    const [secret] = manifests('secret.example.yaml');
    const json = configMap?.data?.['config.json'] ?? '';
    const variables = [...json.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThan(0);
    for (const variable of variables) expect(Object.keys(secret?.stringData ?? {}), variable).toContain(variable);
    // Every customer-sync container reads the Secret the variables come from.
    for (const { container } of cliContainers()) expect(container.envFrom).toEqual([{ secretRef: { name: secret?.metadata.name } }]);

    const { dir, remove } = tempDir();
    try {
      const path = join(dir, 'config.json');
      writeFileSync(path, json);
      const loaded = await loadConfig(path, { ...secret?.stringData });
      expect(Object.keys(loaded.config.providers).sort()).toEqual(['bluetape', 'fatora', 'invisible-collector', 'yativo']);
      expect(loaded.config.redis).toBe('redis://customer-sync-redis:6379');
      expect(loaded.config.state).toMatch(/^postgres:\/\//);
    } finally {
      remove();
    }
  });

  it('points probes, Services and scrape annotations at the ports the commands listen on', () => {
    const services = byKind('Service');
    for (const { owner, container, args } of cliContainers()) {
      const listens = args[0] === 'serve' ? flagValue(args, '--port') : flagValue(args, '--metrics-port');
      if (listens === undefined) continue;
      const port = Number(listens);
      expect(container.ports?.map((p) => p.containerPort), owner.name).toEqual([port]);
      expect(owner.annotations['prometheus.io/port'], owner.name).toBe(String(port));
      expect(owner.annotations['prometheus.io/path'], owner.name).toBe('/metrics');
      const named = container.ports?.[0]?.name;
      for (const probe of [container.readinessProbe, container.livenessProbe].filter((p) => p !== undefined)) {
        expect(probe.httpGet.path).toBe('/healthz');
        expect(probe.httpGet.port).toBe(named);
      }
      if (args[0] === 'serve') {
        expect(flagValue(args, '--host')).toBe('0.0.0.0'); // loopback would be out of the Service's reach
        const service = services.find((s) => (s.spec as { selector: { app: string } }).selector.app === owner.name);
        expect((service?.spec as { ports: Array<{ targetPort: string }> }).ports[0]?.targetPort).toBe(named);
      }
    }
    const redis = services.find((s) => s.metadata.name === 'customer-sync-redis');
    expect((redis?.spec as { ports: Array<{ port: number }> }).ports[0]?.port).toBe(6379);
  });
});
