// The native stack's shape, read through its own scripts (nothing started):
// what `npm run status` lists for REPLICAS / KAFKA_NODES / OBSERVABILITY, and
// what each process would be started with (ports, brokers, upstreams,
// replication). A stack of its own (STACK_DATA, STACK_PORT_OFFSET) beside the
// one that runs, so nothing here touches it.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const data = mkdtempSync(join(tmpdir(), 'stack-shape-'))
afterAll(() => rmSync(data, { recursive: true, force: true }))

function run(env: Record<string, string>, script: string): string {
  const result = Bun.spawnSync(['bash', '-c', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', STACK_DATA: data, STACK_PORT_OFFSET: '20000', ...env },
  })
  if (result.exitCode !== 0) throw new Error(`${script}: ${result.stderr.toString()}`)
  return result.stdout.toString()
}
const status = (env: Record<string, string>) => run(env, 'bash stack/status').trimEnd().split('\n')
const fn = (env: Record<string, string>, call: string) => run(env, `source stack/stack.sh && ${call}`)

describe('npm run status', () => {
  test('one node, one process each: the servers of today', () => {
    expect(status({}).map((line) => line.split(/\s+/)[0])).toEqual([
      'postgres',
      'kafka',
      'ferretdb',
      'user',
      'product',
      'inventory',
      'order',
      'caddy',
    ])
  })

  test('REPLICAS=2 KAFKA_NODES=3 OBSERVABILITY=1: every process on its own line, the second named <service>-2', () => {
    const lines = status({ REPLICAS: '2', KAFKA_NODES: '3', OBSERVABILITY: '1' })
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual([
      'postgres',
      'kafka',
      'kafka-2',
      'kafka-3',
      'ferretdb',
      'zipkin',
      'user',
      'user-2',
      'product',
      'product-2',
      'inventory',
      'inventory-2',
      'order',
      'order-2',
      'caddy',
      'prometheus',
    ])
    expect(lines).toContain('order-2     stopped')
  })

  test('a shape it does not know is refused', () => {
    expect(() => status({ KAFKA_NODES: '2' })).toThrow(/KAFKA_NODES must be 1 or 3/)
  })
})

describe('what each process is started with', () => {
  const shape = { REPLICAS: '2', KAFKA_NODES: '3', OBSERVABILITY: '1' }

  test('order-2 listens on order’s port + 100 and is given all three brokers and Zipkin', () => {
    const env = fn(shape, 'bun_service_config order-2')
    expect(env).toContain('PORT=28101\n')
    expect(env).toContain('KAFKA_BROKERS=127.0.0.1:29092,127.0.0.1:29094,127.0.0.1:29096\n')
    expect(env).toContain('MONGO_URL=mongodb://127.0.0.1:47017/orders\n')
    expect(env).toContain('ZIPKIN_URL=http://127.0.0.1:29411/api/v2/spans\n')
    expect(env).toContain('TRACE_SAMPLE_RATIO=1\n')
    expect(fn({}, 'bun_service_config order')).not.toContain('ZIPKIN_URL')
  })

  test('the gateway lists both processes of every service', () => {
    const env = fn(shape, 'caddy_config')
    expect(env).toContain('ORDER_UPSTREAM=127.0.0.1:28001 127.0.0.1:28101\n')
    expect(env).toContain('USER_UPSTREAM=127.0.0.1:28003 127.0.0.1:28103\n')
  })

  test('a node of three: its own id and ports, all three voters, RF 3 and min ISR 2', () => {
    const props = fn(shape, 'kafka_config kafka-3')
    expect(props).toContain('node.id=3\n')
    expect(props).toContain(
      'controller.quorum.voters=1@127.0.0.1:29093,2@127.0.0.1:29095,3@127.0.0.1:29097\n',
    )
    expect(props).toContain('listeners=PLAINTEXT://127.0.0.1:29096,CONTROLLER://127.0.0.1:29097\n')
    for (const line of [
      'default.replication.factor=3',
      'min.insync.replicas=2',
      'offsets.topic.replication.factor=3',
      'transaction.state.log.replication.factor=3',
      'transaction.state.log.min.isr=2',
    ])
      expect(props).toContain(`${line}\n`)
    expect(props).toContain('-Xmx384m')
    expect(fn({}, 'kafka_config kafka')).toContain('default.replication.factor=1\n')
  })

  test('Prometheus scrapes every process, replicas too', () => {
    const targets = JSON.parse(fn(shape, 'prometheus_targets')) as {
      targets: string[]
      labels: { job: string; process: string }
    }[]
    expect(targets.map((t) => t.labels.process)).toHaveLength(8)
    expect(targets).toContainEqual({
      targets: ['127.0.0.1:28101'],
      labels: { job: 'order', process: 'order-2' },
    })
  })
})
