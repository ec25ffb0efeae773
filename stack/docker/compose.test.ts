// Static checks of the compose files, so that they cannot drift from the
// native stack or grow CI-only changes:
//  - compose.ci.yaml swaps each official image for a stand-in (image,
//    pull_policy, build; a BUN_IMAGE build argument for the four services) and
//    changes nothing else; FerretDB, standing in for mongo, may add only the
//    environment, depends_on and health check test that it alone needs;
//  - compose.yaml's services have the env var names, ports, databases and
//    admin setting of stack/env/<service>.env, a /health check on their port,
//    depends_on with service_healthy, and the gateway runs the repo's Caddyfile
//    with upstreams on those ports.
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')
const APPS = ['user', 'product', 'inventory', 'order'] as const

type Obj = Record<string, unknown>
type Service = Obj & {
  image?: string
  build?: Obj & { context?: string; dockerfile?: string; args?: Record<string, string> }
  environment?: Record<string, string | number>
  depends_on?: Record<string, { condition?: string }>
  healthcheck?: Obj & { test?: string[] }
  ports?: string[]
  profiles?: string[]
  container_name?: string
  volumes?: string[]
  networks?: string[]
}
type ComposeFile = Obj & { services: Record<string, Service>; volumes?: Obj; networks?: Obj }

function readCompose(name: string): ComposeFile {
  const doc = Bun.YAML.parse(readFileSync(join(ROOT, name), 'utf8')) as ComposeFile
  if (!doc || typeof doc !== 'object' || !doc.services) throw new Error(`${name}: no services`)
  return doc
}

function readEnvFile(path: string): Map<string, string> {
  const vars = new Map<string, string>()
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`${path}: not KEY=value: ${line}`)
    vars.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return vars
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const keys = (v: unknown): string[] => (isObj(v) ? Object.keys(v).sort() : [])

// Keys the override may set, by kind of service.
const IMAGE_SWAP_KEYS = ['build', 'image', 'pull_policy']
const MONGO_STANDIN_EXTRA_KEYS = ['depends_on', 'environment', 'healthcheck']

/** Every way in which `ci` goes beyond swapping images for stand-ins; empty when it keeps to it. */
export function ciOverrideViolations(base: ComposeFile, ci: ComposeFile): string[] {
  const problems: string[] = []
  const extraTop = keys(ci).filter((k) => k !== 'services')
  if (extraTop.length) problems.push(`top-level keys other than services: ${extraTop.join(', ')}`)
  for (const [name, over] of Object.entries(ci.services)) {
    const orig = base.services[name]
    if (!orig) {
      problems.push(`${name}: not a service of compose.yaml`)
      continue
    }
    if (orig.image !== undefined && orig.build === undefined) {
      // A service on an official image: swap it for a stand-in built here.
      const allowed = name === 'mongo' ? [...IMAGE_SWAP_KEYS, ...MONGO_STANDIN_EXTRA_KEYS] : IMAGE_SWAP_KEYS
      for (const k of keys(over)) if (!allowed.includes(k)) problems.push(`${name}: sets ${k}`)
      if (!/^local\/[a-z0-9-]+:ci$/.test(String(over.image)))
        problems.push(`${name}: image ${over.image} is not local/<name>:ci`)
      if (over.pull_policy !== 'never') problems.push(`${name}: pull_policy is not never`)
      const build = over.build
      if (!isObj(build)) problems.push(`${name}: no build`)
      else {
        for (const k of keys(build))
          if (!['context', 'dockerfile'].includes(k)) problems.push(`${name}: build.${k}`)
        const ctx = String(build.context ?? '')
        if (!ctx.startsWith('stack/docker/'))
          problems.push(`${name}: build context ${ctx} not under stack/docker/`)
        const dockerfile = join(ROOT, ctx, String(build.dockerfile ?? 'Dockerfile'))
        if (!existsSync(dockerfile)) problems.push(`${name}: no ${dockerfile}`)
      }
      if (name === 'mongo') {
        // Additions only: nothing compose.yaml sets may be changed.
        for (const k of keys(over.environment)) {
          if (isObj(orig.environment) && k in orig.environment)
            problems.push(`mongo: environment.${k} overrides compose.yaml`)
        }
        for (const k of keys(over.depends_on)) {
          if (isObj(orig.depends_on) && k in orig.depends_on)
            problems.push(`mongo: depends_on.${k} overrides compose.yaml`)
        }
        // The stand-in's own health check command; timing stays compose.yaml's.
        for (const k of keys(over.healthcheck)) if (k !== 'test') problems.push(`mongo: healthcheck.${k}`)
      }
    } else if (orig.build !== undefined) {
      // One of our services: only its base image, as a build argument.
      if (keys(over).join() !== 'build') problems.push(`${name}: sets ${keys(over).join(', ')}`)
      const build = over.build
      if (keys(build).join() !== 'args') problems.push(`${name}: build sets ${keys(build).join(', ')}`)
      const args = isObj(build) ? build.args : undefined
      if (keys(args).join() !== 'BUN_IMAGE') problems.push(`${name}: build args ${keys(args).join(', ')}`)
      else if (isObj(args) && args.BUN_IMAGE !== 'local/bun:ci')
        problems.push(`${name}: BUN_IMAGE ${args.BUN_IMAGE}`)
    } else {
      problems.push(`${name}: neither an official image nor built here`)
    }
  }
  return problems
}

const base = readCompose('compose.yaml')
// The services' default HOST (shared/src/env.ts), used when an env file leaves it out.
const SHARED_DEFAULT_HOST = /HOST:\s*z\.string\(\)\.default\('([^']+)'\)/.exec(
  readFileSync(join(ROOT, 'shared/src/env.ts'), 'utf8'),
)?.[1]
const ci = readCompose('compose.ci.yaml')

describe('compose.ci.yaml changes only what is allowed', () => {
  test('it keeps to image, pull_policy, build (and the mongo stand-in’s own additions)', () => {
    expect(ciOverrideViolations(base, ci)).toEqual([])
  })

  test('every official image and every service gets its stand-in', () => {
    // The observability profile's services are not run in CI: no stand-ins.
    const official = Object.entries(base.services)
      .filter(([, s]) => s.image !== undefined && s.build === undefined && s.profiles === undefined)
      .map(([n]) => n)
      .sort()
    expect(official).toEqual(['caddy', 'kafka', 'mongo', 'postgres'])
    expect(Object.keys(ci.services).sort()).toEqual([...official, ...APPS].sort())
    expect(ci.services.mongo?.image).toBe('local/ferretdb:ci')
    expect(ci.services.mongo?.depends_on?.postgres?.condition).toBe('service_healthy')
  })

  test('the checker catches what it must', () => {
    const mutate = (fn: (c: ComposeFile) => void) => {
      const copy = structuredClone(ci)
      fn(copy)
      return ciOverrideViolations(base, copy)
    }
    expect(mutate((c) => Object.assign(c.services.postgres ?? {}, { environment: { X: '1' } }))).not.toEqual(
      [],
    )
    expect(mutate((c) => Object.assign(c.services.caddy ?? {}, { ports: ['0.0.0.0:80:80'] }))).not.toEqual([])
    expect(
      mutate((c) => Object.assign(c.services.kafka ?? {}, { image: 'apache/kafka:latest' })),
    ).not.toEqual([])
    expect(mutate((c) => Object.assign(c.services.user ?? {}, { environment: { PORT: '1' } }))).not.toEqual(
      [],
    )
    expect(
      mutate((c) => {
        const args = c.services.order?.build?.args
        if (args) args.SERVICE = 'user'
      }),
    ).not.toEqual([])
    expect(
      mutate((c) => {
        const hc = c.services.mongo?.healthcheck
        if (hc) hc.interval = '1h'
      }),
    ).not.toEqual([])
    expect(mutate((c) => Object.assign(c, { name: 'ci' }))).not.toEqual([])
  })

  test('no top-level name (Compose v1 rejects it)', () => {
    expect('name' in base).toBe(false)
    expect('name' in ci).toBe(false)
  })

  test('the services build FROM BUN_IMAGE, by default the official oven/bun of package.json’s bun', () => {
    const dockerfile = readFileSync(join(ROOT, 'stack/docker/service.Dockerfile'), 'utf8')
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Obj }
    expect(dockerfile).toContain(`ARG BUN_IMAGE=oven/bun:${pkg.devDependencies.bun}`)
    expect(dockerfile).toMatch(/^FROM \$\{BUN_IMAGE\}$/m)
  })
})

describe('compose.yaml agrees with the native stack', () => {
  const pathOf = (url: string) => new URL(url).pathname

  for (const app of APPS) {
    describe(app, () => {
      const svc = base.services[app] as Service
      const native = readEnvFile(join(ROOT, 'stack/env', `${app}.env`))
      const env = Object.fromEntries(Object.entries(svc?.environment ?? {}).map(([k, v]) => [k, String(v)]))

      test('same env var names as stack/env and the same PORT', () => {
        // HOST may be left to its default (loopback) natively; a container listens on all interfaces.
        // The tracing pair is given natively by the stack (OBSERVABILITY=1), not by the env file.
        const nativeNames = new Set([...native.keys(), 'HOST', 'ZIPKIN_URL', 'TRACE_SAMPLE_RATIO'])
        expect(Object.keys(env).sort()).toEqual([...nativeNames].sort())
        expect(env.PORT).toBe(native.get('PORT'))
        expect(env.HOST).toBe('0.0.0.0')
        expect(native.get('HOST') ?? SHARED_DEFAULT_HOST).toBe('127.0.0.1')
      })

      test('same databases, JWKS path and admin setting; Kafka at kafka:9092', () => {
        for (const k of ['DATABASE_URL', 'MONGO_URL', 'JWKS_URL']) {
          const nativeUrl = native.get(k)
          if (nativeUrl !== undefined) expect(pathOf(env[k] ?? '')).toBe(pathOf(nativeUrl))
        }
        if (native.has('ADMIN_EMAILS')) expect(env.ADMIN_EMAILS).toBe(native.get('ADMIN_EMAILS'))
        expect(env.KAFKA_BROKERS).toBe('kafka:9092')
        if (env.JWKS_URL)
          expect(new URL(env.JWKS_URL).host).toBe(`user:${base.services.user?.environment?.PORT}`)
      })

      test('built from the one service Dockerfile with SERVICE set to it', () => {
        expect(svc.build?.context).toBe('.')
        expect(svc.build?.dockerfile).toBe('stack/docker/service.Dockerfile')
        expect(svc.build?.args?.SERVICE).toBe(app)
        expect(svc.image).toBeUndefined()
        expect(svc.ports).toBeUndefined()
      })

      test('health check on /health of its port', () => {
        const check = (svc.healthcheck?.test ?? []).join(' ')
        expect(check).toContain(`http://127.0.0.1:${native.get('PORT')}/health`)
      })

      test('depends_on its stores and Kafka, each service_healthy', () => {
        const deps = svc.depends_on ?? {}
        expect(Object.keys(deps)).toContain('kafka')
        if (env.DATABASE_URL) expect(Object.keys(deps)).toContain('postgres')
        if (env.MONGO_URL) expect(Object.keys(deps)).toContain('mongo')
        for (const [dep, spec] of Object.entries(deps)) {
          expect(base.services[dep]).toBeDefined()
          expect(spec?.condition).toBe('service_healthy')
        }
      })
    })
  }

  test('the postgres init SQL creates every database the services use', () => {
    const sql = readFileSync(join(ROOT, 'stack/docker/initdb.d/01-databases.sql'), 'utf8')
    const created = [...sql.matchAll(/CREATE DATABASE\s+"?(\w+)"?/gi)].map((m) => m[1])
    const used = APPS.map((a) => base.services[a]?.environment?.DATABASE_URL)
      .filter((u): u is string => typeof u === 'string')
      .map((u) => pathOf(u).slice(1))
    expect(used.length).toBeGreaterThan(0)
    for (const db of used) expect(created).toContain(db)
    expect(base.services.postgres?.volumes).toContain(
      './stack/docker/initdb.d:/docker-entrypoint-initdb.d:ro',
    )
  })

  test('the gateway runs the repo’s Caddyfile, on loopback, with the services’ ports as upstreams', () => {
    const caddy = base.services.caddy as Service
    expect(caddy.image).toBe('caddy:2')
    expect(caddy.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable syntax
    expect(caddy.ports).toEqual(['127.0.0.1:${GATEWAY_PORT:-80}:80'])
    const env = caddy.environment ?? {}
    expect(env.GATEWAY_BIND).toBe('0.0.0.0')
    expect(String(env.GATEWAY_PORT)).toBe('80')
    const caddyfile = readFileSync(join(ROOT, 'Caddyfile'), 'utf8')
    // Each upstream appears for its API routes and for its /health/<service> route, always the same.
    const uses = [...caddyfile.matchAll(/\{\$(\w+_UPSTREAM):([^}]+)\}/g)].map(
      ([, name, value]) => `${name}=${value}`,
    )
    const placeholders = [...new Set(uses)].map((use) => ['', ...use.split('=')])
    expect(placeholders.length).toBe(APPS.length)
    for (const [, name, nativeDefault] of placeholders) {
      const app = (name ?? '').replace(/_UPSTREAM$/, '').toLowerCase()
      const port = readEnvFile(join(ROOT, 'stack/env', `${app}.env`)).get('PORT')
      expect(nativeDefault).toBe(`127.0.0.1:${port}`)
      expect(env[name ?? '']).toBe(`${app}:${port}`)
    }
    for (const app of APPS) expect(caddy.depends_on?.[app]?.condition).toBe('service_healthy')
  })

  test('every service has a health check, one network, named volumes; only the gateway is published', () => {
    const networks = Object.keys(base.networks ?? {})
    expect(networks.length).toBe(1)
    const named = Object.keys(base.volumes ?? {})
    for (const [name, svc] of Object.entries(base.services)) {
      expect(svc.healthcheck?.test?.length ?? 0, `${name} health check`).toBeGreaterThan(0)
      expect(svc.networks, `${name} networks`).toEqual(networks)
      if (svc.profiles?.includes('observability'))
        for (const port of svc.ports ?? []) expect(port, `${name} ports`).toStartWith('127.0.0.1:')
      else if (name !== 'caddy') expect(svc.ports, `${name} ports`).toBeUndefined()
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0] ?? ''
        if (!source.startsWith('./')) expect(named, `${name} volume ${v}`).toContain(source)
      }
    }
  })

  test('the services scale (no container names, no host ports); the gateway finds every replica by DNS', () => {
    for (const app of APPS) {
      expect(base.services[app]?.container_name, app).toBeUndefined()
      expect(base.services[app]?.ports, app).toBeUndefined()
    }
    expect(base.services.caddy?.environment?.GATEWAY_DISCOVERY).toBe('dns')
    const caddyfile = readFileSync(join(ROOT, 'Caddyfile'), 'utf8')
    for (const app of APPS) {
      const port = base.services[app]?.environment?.PORT
      expect(caddyfile).toContain(`import discovery_{$GATEWAY_DISCOVERY:none} ${app} ${port}`)
    }
  })

  test('observability profile: Prometheus scrapes every service by DNS on its port, Zipkin on 9411', () => {
    expect(base.services.prometheus?.profiles).toEqual(['observability'])
    expect(base.services.zipkin?.profiles).toEqual(['observability'])
    const config = readFileSync(join(ROOT, 'stack/prometheus/compose.yml'), 'utf8')
    for (const app of APPS) {
      const port = base.services[app]?.environment?.PORT
      expect(config).toContain(`{ names: [${app}], type: A, port: ${port} }`)
      expect(base.services[app]?.environment?.ZIPKIN_URL).toBe('http://zipkin:9411/api/v2/spans')
    }
  })

  test('Kafka: one KRaft node with every key it needs, 3 partitions, advertised as kafka:9092', () => {
    const env = base.services.kafka?.environment ?? {}
    const needed = [
      'NODE_ID',
      'PROCESS_ROLES',
      'CONTROLLER_QUORUM_VOTERS',
      'LISTENERS',
      'ADVERTISED_LISTENERS',
      'INTER_BROKER_LISTENER_NAME',
      'CONTROLLER_LISTENER_NAMES',
      'LISTENER_SECURITY_PROTOCOL_MAP',
      'LOG_DIRS',
      'NUM_PARTITIONS',
      'OFFSETS_TOPIC_REPLICATION_FACTOR',
      'TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'TRANSACTION_STATE_LOG_MIN_ISR',
      'SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR',
      'SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR',
    ]
    for (const k of needed) expect(env, k).toHaveProperty(`KAFKA_${k}`)
    expect(String(env.KAFKA_NUM_PARTITIONS)).toBe('3')
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092')
    expect(base.services.kafka?.image).toBe('apache/kafka:4.4.0')
  })
})
