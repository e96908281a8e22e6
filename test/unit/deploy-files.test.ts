/**
 * The deploy files cannot run here (no container runtime), so this checks what can be checked without one: every
 * YAML file parses, the Kubernetes manifests hold the expected kinds, every DINO_* name they use is a setting of
 * src/config.ts (a renamed setting fails here), the settings they give pass Dino's own validation, the Grafana
 * dashboard queries only the documented metric families, and the Dockerfile keeps its non-root, health-checked shape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, settings } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Settings the deploy files may name before src/config.ts has them (none now). */
const COMING_SETTINGS = new Set<string>([]);

/** The metric families Dino exports under fixed names (issue 12), and the default process metrics the dashboard uses. */
const METRIC_FAMILIES = new Set([
  'dino_http_requests_total', 'dino_http_request_duration_seconds', 'dino_broadcasts_total', 'dino_deliveries_total',
  'dino_broadcast_duration_seconds', 'dino_stream_pending', 'dino_stream_lag', 'dino_dead_letters_total',
  'dino_mqtt_connections', 'dino_mqtt_inflight', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds',
]);

/** A parsed YAML or JSON document: its shape is what the tests check. */
type Doc = Record<string, any>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]);
}

const deployFiles = filesUnder(DEPLOY).map((file) => relative(ROOT, file));
const yamlFiles = deployFiles.filter((file) => /\.ya?ml$/.test(file));
const k8sDocs: Doc[] = yamlFiles.filter((file) => file.startsWith('deploy/k8s/')).flatMap((file) =>
  parseAllDocuments(read(file)).map((doc) => doc.toJS() as Doc).filter(Boolean));
// Compose's anchors with `<<` merge keys, as YAML 1.1 (and compose) read them.
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Doc;
const ofKind = (kind: string) => k8sDocs.filter((doc) => doc.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((doc) => doc.metadata?.name === name);

/** Sample credentials of the lengths Dino requires, standing in for the secrets the files leave out. */
const SECRETS = { DINO_API_KEY: 'k'.repeat(24), DINO_JWT_SECRET: 's'.repeat(40), DINO_METRICS_KEY: 'm'.repeat(24) };

describe('deploy files parse', () => {
  it('every YAML file under deploy/ parses, each of its documents without errors', () => {
    expect(yamlFiles.length).toBeGreaterThanOrEqual(5);
    for (const file of yamlFiles) {
      for (const doc of parseAllDocuments(read(file))) expect(doc.errors, file).toEqual([]);
    }
  });

  it('the Kubernetes manifests hold the expected kinds', () => {
    const deployments = ofKind('Deployment').map((doc) => doc.metadata.name).sort();
    expect(deployments).toEqual(['dino-fanout', 'dino-server']);
    expect(named('Service', 'dino-server')).toBeDefined();
    expect(ofKind('PodDisruptionBudget').map((doc) => doc.metadata.name).sort()).toEqual(['dino-fanout', 'dino-server']);
    expect(ofKind('Job').map((doc) => doc.metadata.name)).toEqual(['dino-migrate']);
    expect(ofKind('CronJob').map((doc) => doc.metadata.name)).toEqual(['dino-retention']);
    expect(ofKind('ConfigMap').map((doc) => doc.metadata.name)).toEqual(['dino']);
    const hpa = named('HorizontalPodAutoscaler', 'dino-fanout')!;
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'dino-fanout' });
    expect(hpa.spec.metrics.map((m: Doc) => m.resource?.name ?? m.external?.metric.name).sort()).toEqual(['cpu', 'dino_stream_lag']);
    // kustomization.yaml lists every manifest beside it.
    const listed = (parse(read('deploy/k8s/kustomization.yaml')) as Doc).resources.map((r: string) => `deploy/k8s/${r}`).sort();
    expect(listed).toEqual(yamlFiles.filter((f) => f.startsWith('deploy/k8s/') && !f.endsWith('kustomization.yaml')).sort());
  });
});

describe('Kubernetes workloads', () => {
  const podOf = (kind: string, name: string) => {
    const spec = named(kind, name)!.spec;
    return (kind === 'CronJob' ? spec.jobTemplate.spec.template.spec : spec.template.spec) as Doc;
  };

  it('server: readiness on /readyz, liveness on /healthz, a grace period longer than its drain, a Service on its port', () => {
    const pod = podOf('Deployment', 'dino-server');
    const [server] = pod.containers as Doc[];
    expect(server!.args).toEqual(['node', 'bin/dino.js', 'server']);
    expect(server!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(server!.livenessProbe.httpGet.path).toBe('/healthz');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(20); // preStop 5 s + up to 10 s of HTTP drain
    expect(named('Service', 'dino-server')!.spec.ports[0].targetPort).toBe(server!.ports[0].name);
  });

  it('fan-out: a liveness probe on its metrics port, and a grace period to finish the broadcasts in hand', () => {
    const pod = podOf('Deployment', 'dino-fanout');
    const [fanout] = pod.containers as Doc[];
    expect(fanout!.args).toEqual(['node', 'bin/dino.js', 'fanout']);
    const metricsPort = fanout!.env.find((e: Doc) => e.name === 'DINO_METRICS_PORT').value;
    expect(fanout!.ports.find((p: Doc) => p.name === fanout!.livenessProbe.tcpSocket.port).containerPort).toBe(Number(metricsPort));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('retention: a nightly `dino retention`, passes never overlapping', () => {
    const cron = named('CronJob', 'dino-retention')!;
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.schedule.split(' ')).toHaveLength(5);
    expect(podOf('CronJob', 'dino-retention').containers[0].args).toEqual(['node', 'bin/dino.js', 'retention']);
  });

  it('every pod runs as non-root with a read-only root file system, and writes only to emptyDirs', () => {
    const pods = [podOf('Deployment', 'dino-server'), podOf('Deployment', 'dino-fanout'), podOf('Job', 'dino-migrate'),
      podOf('CronJob', 'dino-retention')];
    for (const pod of pods) {
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const container of pod.containers as Doc[]) {
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        const mounts = (container.volumeMounts as Doc[]).map((m) => m.mountPath);
        expect(mounts).toContain('/data');
      }
      expect((pod.volumes as Doc[]).every((v) => v.emptyDir !== undefined)).toBe(true);
    }
  });

  it('the secrets come from a Secret, never from the ConfigMap', () => {
    const configMap = named('ConfigMap', 'dino')!.data as Record<string, string>;
    expect(Object.keys(configMap)).not.toContain('DINO_API_KEY');
    expect(Object.keys(configMap)).not.toContain('DINO_JWT_SECRET');
    for (const name of ['dino-server', 'dino-fanout']) {
      const env = (podOf('Deployment', name).containers[0].env as Doc[]);
      for (const secret of Object.keys(SECRETS)) {
        expect(env.find((e) => e.name === secret)?.valueFrom.secretKeyRef, `${name} ${secret}`).toMatchObject({ name: 'dino-secrets', key: secret });
      }
    }
  });

  it('each workload\'s settings (ConfigMap, its own env, the Secret) pass Dino\'s validation', () => {
    const configMap = named('ConfigMap', 'dino')!.data as Record<string, string>;
    for (const [kind, name] of [['Deployment', 'dino-server'], ['Deployment', 'dino-fanout'], ['Job', 'dino-migrate'],
      ['CronJob', 'dino-retention']] as const) {
      const env: Record<string, string> = { ...configMap };
      for (const e of podOf(kind, name).containers[0].env as Doc[]) {
        env[e.name] = e.value ?? SECRETS[e.valueFrom.secretKeyRef.key as keyof typeof SECRETS];
      }
      const config = loadConfig(env);
      expect(config.cassandra && config.redis && config.mqtt.url, name).toBeTruthy();
    }
  });
});

describe('compose file', () => {
  const services = compose.services as Record<string, Doc>;

  it('runs Cassandra, Redis, EMQX, a one-shot migrate, 2 servers and 2 fan-outs, started in order of health', () => {
    expect(Object.keys(services).sort()).toEqual(['cassandra', 'dino-fanout', 'dino-server', 'emqx', 'migrate', 'redis']);
    expect(services.cassandra!.image).toMatch(/^cassandra:5/);
    expect(services.redis!.image).toMatch(/^redis:7/);
    expect(services.emqx!.image).toMatch(/^emqx\/emqx:5\./);
    expect(services.migrate!.command).toEqual(['node', 'bin/dino.js', 'migrate']);
    expect(services['dino-server']).toMatchObject({ command: ['node', 'bin/dino.js', 'server'], deploy: { replicas: 2 } });
    expect(services['dino-fanout']).toMatchObject({ command: ['node', 'bin/dino.js', 'fanout'], deploy: { replicas: 2 } });
    expect(services['dino-server']!.environment.DINO_HTTP_HOST).toBe('0.0.0.0');
    expect(services['dino-server']!.depends_on.migrate.condition).toBe('service_completed_successfully');
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries((service.depends_on ?? {}) as Record<string, Doc>)) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck?.test, `${dependency} has a healthcheck`).toBeDefined();
      }
    }
  });

  it('every Dino service\'s settings pass Dino\'s validation (the secrets standing in for deploy/.env)', () => {
    for (const name of ['migrate', 'dino-server', 'dino-fanout']) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment as Record<string, string>)
        .map(([key, value]) => [key, value.replace(/\$\{(DINO_\w+)(:\?[^}]*)?\}/g, (_, secret: keyof typeof SECRETS) => SECRETS[secret])]));
      expect(env.DINO_API_KEY).toBe(SECRETS.DINO_API_KEY);
      const config = loadConfig(env);
      expect(config.cassandra && config.redis && config.mqtt.url, name).toBeTruthy();
    }
  });

  it('EMQX asks Dino\'s own hooks, and denies what they do not allow', () => {
    const env = services.emqx!.environment as Record<string, string>;
    const hooks = readFileSync(join(ROOT, 'src/http/broker-hooks.ts'), 'utf8');
    for (const [setting, path] of [['EMQX_AUTHENTICATION__1__URL', '/auth/emqx/authn'], ['EMQX_AUTHORIZATION__SOURCES', '/auth/emqx/authz']]) {
      expect(env[setting]).toContain(`http://dino-server:8080${path}`);
      expect(hooks).toContain(`'${path}'`);
    }
    expect(env.EMQX_AUTHORIZATION__NO_MATCH).toBe('deny');
    expect(env.EMQX_AUTHENTICATION__1__HEADERS).toContain('Bearer ${DINO_API_KEY}');
  });
});

describe('setting names', () => {
  const known = new Set(Object.keys(settings));
  /** DINO_* names in a text that are neither settings of src/config.ts nor announced ones. */
  const unknownSettings = (text: string) => [...text.matchAll(/\bDINO_[A-Z0-9_]+\b/g)].map((m) => m[0])
    .filter((name) => !known.has(name) && !COMING_SETTINGS.has(name));

  it('every DINO_* name in the deploy files is a setting of src/config.ts', () => {
    expect(deployFiles).toEqual(expect.arrayContaining(['deploy/compose.yaml', 'deploy/Dockerfile', 'deploy/k8s/configmap.yaml']));
    expect(deployFiles.flatMap((file) => unknownSettings(read(file)).map((name) => `${file}: ${name}`))).toEqual([]);
  });

  it('the check itself catches a name that is not a setting', () => {
    expect(unknownSettings('DINO_REDIS_URL=redis://r DINO_REDIS_URI=redis://r DINO_METRICS_PORT=9464')).toEqual(['DINO_REDIS_URI']);
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dino-dashboard.json')) as Doc;
  const exprs: string[] = (dashboard.panels as Doc[]).flatMap((panel) => (panel.targets ?? []).map((t: Doc) => t.expr as string));

  /** PromQL words that are not metric names: functions, aggregations, operators and modifiers. */
  const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'by',
    'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'topk', 'bottomk', 'clamp_min']);

  /** The metric names an expression selects: what is left once strings, label matchers, ranges and groupings go. */
  function metricNames(expr: string): string[] {
    const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ')
      .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
    return (bare.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? []).filter((word) => !PROMQL_WORDS.has(word))
      .map((name) => name.replace(/_(bucket|sum|count)$/, (suffix) => (METRIC_FAMILIES.has(name) ? suffix : '')));
  }

  it('queries only the documented metric families, and every one of them', () => {
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set(exprs.flatMap(metricNames));
    expect([...used].filter((name) => !METRIC_FAMILIES.has(name))).toEqual([]);
    expect([...METRIC_FAMILIES].filter((name) => !used.has(name))).toEqual([]);
  });

  it('the name check sees through quantiles and would catch a misspelt name', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(dino_http_request_duration_seconds_bucket{job=~"$job"}[5m])))'))
      .toEqual(['dino_http_request_duration_seconds']);
    expect(metricNames('sum(rate(dino_delivery_total{result="ok"}[1m]))')).toEqual(['dino_delivery_total']);
  });

  it('takes its Prometheus data source from a variable, and every panel uses it', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variable = (dashboard.templating.list as Doc[]).find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ query: 'prometheus' });
    for (const panel of (dashboard.panels as Doc[]).filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: `\${${variable!.name}}` });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('deploy/Dockerfile');
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((line) => line.trim() && !line.trimStart().startsWith('#'));
  const finalStage = instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));
  const arg = (name: string) => instructions.find((line) => line.startsWith(`ARG ${name}=`))?.split('=')[1];

  it('is multi-stage on Node 22 and Debian 12, with production dependencies only in the final image', () => {
    expect(arg('NODE_IMAGE')).toBe('node:22-bookworm-slim');
    expect(instructions.filter((line) => /^FROM\s/.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(finalStage.some((line) => /COPY --from=\S+ \/app\/node_modules/.test(line))).toBe(true);
    // What `dino` reads at run time: the build, the bin, the /docs page (public/) and package.json (the API version).
    for (const needed of ['dist', 'bin', 'public', 'package.json']) {
      expect(finalStage.some((line) => line.startsWith('COPY') && line.includes(needed)), needed).toBe(true);
    }
  });

  it('runs as a non-root user, checks /healthz, and starts `dino start` by default', () => {
    const user = finalStage.filter((line) => line.startsWith('USER ')).at(-1)?.slice(5).trim();
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(finalStage.find((line) => line.startsWith('HEALTHCHECK '))).toMatch(/\/healthz/);
    expect(finalStage.find((line) => line.startsWith('CMD '))).toBe('CMD ["node", "bin/dino.js", "start"]');
    expect(finalStage.find((line) => line.startsWith('EXPOSE '))?.split(/\s+/).slice(1).sort()).toEqual(['1883', '8080', '8083']);
  });

  it('bakes in no secret, and its own settings are valid once the secrets are given', () => {
    const env = Object.fromEntries(finalStage.filter((line) => line.startsWith('ENV ')).flatMap((line) =>
      [...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));
    expect(env.DINO_HTTP_HOST).toBe('0.0.0.0');
    expect(Object.keys(env)).not.toContain('DINO_API_KEY');
    expect(Object.keys(env)).not.toContain('DINO_JWT_SECRET');
    expect(() => loadConfig(env)).toThrow(/DINO_API_KEY/);
    expect(loadConfig({ ...env, ...SECRETS }).http.host).toBe('0.0.0.0');
  });

  it('.dockerignore keeps local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '.cassandra-run', 'scripts/cassandra/lib', 'bench/results']) {
      expect(ignored).toContain(entry);
    }
  });
});
