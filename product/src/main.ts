import { listenFirst } from '@shop/shared/runtime/listen-first'

await listenFirst('product', async () => (await import('./service.ts')).productService, {
  packages: ['mongodb'],
})
