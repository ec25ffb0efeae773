import { listenFirst } from '@shop/shared/runtime/listen-first'

await listenFirst('user', async () => (await import('./service.ts')).userService, { packages: ['postgres'] })
