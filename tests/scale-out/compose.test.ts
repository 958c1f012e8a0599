// docker-compose.yml against the app: it validates with `docker-compose config` (Debian's
// package, installed by scripts/components/compose.sh), and its BabyBot services set only
// variables the configuration schema reads, with valid values, and every one the split
// deployment needs (where the defaults are wrong inside containers).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig } from '../../lib/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type: string; source?: string; target: string })[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  entrypoint?: string[];
}

/** `docker-compose config` with only PATH and HOME, so every default of the file applies. */
function composeConfig(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const result = spawnSync('docker-compose', ['--file', 'docker-compose.yml', 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
  });
  if (result.error) {
    throw new Error(`docker-compose could not run (${result.error.message}): install it with scripts/components/compose.sh (npm run test:all does).`);
  }
  expect(result.status, `docker-compose config failed:\n${result.stderr}`).toBe(0);
  return parse(result.stdout);
}

const volumeOf = (v: NonNullable<Service['volumes']>[number]) =>
  typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : { source: v.source ?? '', target: v.target };

const portOf = (p: NonNullable<Service['ports']>[number]) => {
  if (typeof p !== 'string') return { hostIp: p.host_ip, published: Number(p.published), target: p.target };
  const [hostIp, published, target] = p.replace(/\/tcp$/, '').split(':');
  return { hostIp, published: Number(published), target: Number(target) };
};

const serviceByImage = (services: Record<string, Service>, prefix: string) => {
  const found = Object.entries(services).filter(([, s]) => s.image?.startsWith(prefix));
  expect(found.map(([name]) => name), `one service runs ${prefix}`).toHaveLength(1);
  return found[0];
};

/** The Temporal frontend: the one server service clients (BabyBot, the Web UI) talk to. */
const frontendOf = (services: Record<string, Service>) => {
  const found = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/server:') && s.environment?.TEMPORAL_SERVICE === 'frontend');
  expect(found.map(([name]) => name), 'one Temporal frontend').toHaveLength(1);
  return found[0];
};

describe('docker-compose.yml', () => {
  let services: Record<string, Service>;
  let channel: Service;
  let worker: Service;

  beforeAll(() => {
    services = composeConfig().services;
    const babybots = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(babybots.map(([name]) => name).sort()).toEqual(['babybot', 'worker']);
    channel = services.babybot;
    worker = services.worker;
  });

  it('runs Temporal on PostgreSQL with its schema set up, the Web UI, Ollama with its model, one channel process and the workers', () => {
    // Frontend, history, matching and worker: separate services, all from deploy/temporal-cluster.yaml,
    // the file the tested cluster (scripts/components/temporal-cluster.sh) runs.
    const servers = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/server:'));
    expect(servers.map(([, s]) => s.environment?.TEMPORAL_SERVICE).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    const [temporalName] = frontendOf(services);
    const [postgresName] = serviceByImage(services, 'postgres:');
    expect(fs.readFileSync(path.join(ROOT, 'deploy/temporal-cluster.yaml'), 'utf8')).toContain('pluginName: postgres12');
    // The schema job runs before the server, and the server waits for it to finish.
    const schemaJobs = Object.entries(services).filter(([, s]) => s.entrypoint?.some((a) => a.includes('temporal-schema.sh')));
    expect(schemaJobs).toHaveLength(1);
    for (const [name, server] of servers) {
      expect(server.environment?.POSTGRES_SEEDS, name).toBe(postgresName);
      expect(server.environment?.TEMPORAL_FRONTEND_ADDRESS, name).toBe(`${temporalName}:7233`);
      expect(server.entrypoint?.join(' '), name).toContain('--config etc/temporal/config/babybot --env temporal-cluster');
      expect((server.volumes ?? []).map(volumeOf), name).toContainEqual({ source: path.join(ROOT, 'deploy'), target: '/etc/temporal/config/babybot' });
      expect(server.depends_on?.[schemaJobs[0][0]]?.condition, name).toBe('service_completed_successfully');
    }
    expect(serviceByImage(services, 'temporalio/ui:')[1].environment?.TEMPORAL_ADDRESS).toBe(`${temporalName}:7233`);
    const pull = Object.values(services).filter((s) => s.image?.startsWith('ollama/ollama:') && s.entrypoint?.[1] === 'pull');
    expect(pull).toHaveLength(1);
    expect(pull[0].entrypoint?.[2]).toBe(ConfigSchema.shape.OLLAMA_MODEL.parse(undefined));
    expect(channel.command).toEqual(['start', '--only', 'channel']);
    expect(worker.command?.slice(0, 2)).toEqual(['worker', '--queues']);
    expect(worker.command?.[2].split(',')).not.toContain('channel');
  });

  it('gives the BabyBot services only variables the configuration reads, all valid', () => {
    const known = Object.keys(ConfigSchema.shape);
    for (const [name, service] of Object.entries({ babybot: channel, worker })) {
      const env = service.environment ?? {};
      expect(Object.keys(env).filter((key) => !known.includes(key)), `${name}: variables BabyBot does not read`).toEqual([]);
      expect(() => loadConfig(env, '/'), `${name}: invalid values`).not.toThrow();
    }
  });

  it('sets every variable whose default is wrong inside a container, consistent with the services', () => {
    const [temporalName] = frontendOf(services);
    const [ollamaName, ollama] = Object.entries(services).find(([, s]) => s.image?.startsWith('ollama/ollama:') && s.healthcheck)!;
    const [, ui] = serviceByImage(services, 'temporalio/ui:');
    for (const [name, service] of Object.entries({ babybot: channel, worker })) {
      const config = loadConfig(service.environment ?? {}, '/');
      expect(config.TEMPORAL_ADDRESS, `${name}: TEMPORAL_ADDRESS (else it would start an embedded server)`).toBe(`${temporalName}:7233`);
      // State must survive the container, at the same path as on the host (the sandbox's
      // bind mounts are resolved by the host's engine).
      const mounts = (service.volumes ?? []).map(volumeOf);
      for (const dir of [config.dataDir, config.groupsDir, config.skillsDir, config.projectDir]) {
        const mount = mounts.find((m) => dir === m.target || dir.startsWith(`${m.target}/`));
        expect(mount, `${name}: ${dir} is on a volume`).toBeDefined();
        expect(mount!.source, `${name}: ${dir} has the same path on the host`).toBe(mount!.target);
      }
    }

    const channelConfig = loadConfig(channel.environment ?? {}, '/');
    expect(channelConfig.HTTP_HOST, 'the web chat listens beyond the container').toBe('0.0.0.0');
    const published = (channel.ports ?? []).map(portOf);
    expect(published.map((p) => p.target)).toEqual([channelConfig.HTTP_PORT]);
    expect(published[0].hostIp, 'the web chat has no login: loopback only').toBe('127.0.0.1');
    const uiPort = (ui.ports ?? []).map(portOf)[0];
    expect(channelConfig.TEMPORAL_UI_URL, 'failed-run links open the Web UI').toBe(`http://127.0.0.1:${uiPort.published}`);
    expect(channel.healthcheck?.test).toBeDefined();

    const workerConfig = loadConfig(worker.environment ?? {}, '/');
    expect(workerConfig.OLLAMA_HOST).toBe(`http://${ollamaName}:11434`);
    expect(ollama.healthcheck).toBeDefined();
    expect(workerConfig.CONTAINER_RUNTIME).toBe('docker');
    expect(workerConfig.OLLAMA_MODEL).toBe(ConfigSchema.shape.OLLAMA_MODEL.parse(undefined));
  });

  it('gives the Docker socket to the sandbox worker only, and keeps every other piece of state on a volume', () => {
    const socket = (s: Service) => (s.volumes ?? []).map(volumeOf).some((m) => m.target === '/var/run/docker.sock');
    expect(socket(worker)).toBe(true);
    expect(Object.entries(services).filter(([, s]) => socket(s)).map(([name]) => name)).toEqual(['worker']);
    const [, postgres] = serviceByImage(services, 'postgres:');
    expect((postgres.volumes ?? []).map(volumeOf).map((m) => m.target)).toContain('/var/lib/postgresql/data');
    const [, ollama] = Object.entries(services).find(([, s]) => s.image?.startsWith('ollama/ollama:') && s.healthcheck)!;
    expect((ollama.volumes ?? []).map(volumeOf).map((m) => m.target)).toContain('/root/.ollama');
  });

  it('starts each service only after what it needs is healthy or done', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${dependency}`).toContain(condition);
        if (condition === 'service_healthy') expect(services[dependency].healthcheck, `${dependency} has a health check`).toBeDefined();
      }
    }
    expect(Object.keys(worker.depends_on ?? {})).toEqual(expect.arrayContaining(['ollama']));
  });
});
