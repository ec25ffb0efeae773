import { listenFirst } from '@shop/shared/runtime/listen-first'

await listenFirst('inventory', async () => (await import('./service.ts')).inventoryService, {
  packages: ['postgres'],
})
