import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** Debian's PostgreSQL 15 binaries unless PG_BIN says otherwise. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
/** The repo's ignored cache folder. */
const CACHE = join(import.meta.dir, '..', '..', '.cache')

function run(command: string[]) {
  // From `/`: runuser keeps the working directory, which the postgres user may not be allowed to enter.
  const result = Bun.spawnSync(command, { cwd: '/', stdout: 'pipe', stderr: 'pipe' })
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(' ')} failed (${result.exitCode}): ${result.stderr.toString()}`)
  }
}

const asPostgres = (command: string[]) => run(['runuser', '-u', 'postgres', '--', ...command])

function freePort() {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}

/**
 * A throwaway PostgreSQL server of a test's own, so that the test can stop it (an outage) without touching
 * the server everyone else's tests share. fsync is off (a crash of the server process alone loses nothing); only ever for tests.
 */
export type OwnPostgres = ReturnType<typeof createOwnPostgres>

export function createOwnPostgres() {
  mkdirSync(CACHE, { recursive: true })
  const dir = mkdtempSync(join(CACHE, 'inventory-pg-'))
  const data = join(dir, 'data')
  const socketDir = join(dir, 'run')
  mkdirSync(socketDir)
  const initdb = [`${PG_BIN}/initdb`, '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']
  try {
    run(['chown', '-R', 'postgres:postgres', dir])
    asPostgres([...initdb, '--locale=C.UTF-8'])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const port = freePort()
  const options = [
    '-c listen_addresses=127.0.0.1',
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c fsync=off -c full_page_writes=off',
  ].join(' ')
  const pgCtl = (...args: string[]) => asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, ...args])

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => pgCtl('-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start'),
    /** Like a crash: no clean shutdown, connections cut at once. */
    crash: () => pgCtl('-m', 'immediate', '-w', 'stop'),
    remove() {
      try {
        pgCtl('-m', 'immediate', '-w', 'stop')
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
