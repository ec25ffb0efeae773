import { runService } from '@shop/shared/runtime/run-service'
import { readEnv } from './env.ts'
import { startOrderService } from './service.ts'

await runService({ service: 'order', readEnv, start: (context) => startOrderService(context) })
