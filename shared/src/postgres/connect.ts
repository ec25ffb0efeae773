import postgres from 'postgres'

/** A connection pool with the project's defaults: quiet notices, a bounded pool, int8 as JS BigInt. */
export const connectPostgres = (url: string, options: { max?: number } = {}) =>
  postgres(url, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connect_timeout: 5,
    types: { bigint: postgres.BigInt },
  })

export type { Sql, TransactionSql } from 'postgres'
