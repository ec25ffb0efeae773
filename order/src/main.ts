import { listenFirst } from '@shop/shared/runtime/listen-first'

await listenFirst('order', async () => (await import('./service.ts')).orderService, { packages: ['mongodb'] })
