import type { AppEnv } from '@shop/shared/http/app-env'
import { UnsupportedMediaTypeError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import type { Context, MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import { type Credentials, FormLogin, JsonLogin } from './schemas.ts'

const FORM_MEDIA_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

const fromForm = validate('form', FormLogin)
const fromJson = validate('json', JsonLogin)

const isForm = (c: Context) => FORM_MEDIA_TYPE.test(c.req.header('Content-Type') ?? '')

type CredentialsInput = {
  in: { form: z.input<typeof FormLogin>; json: z.input<typeof JsonLogin> }
  out: { form: Credentials; json: Credentials }
}

/** The OAuth2 password form (`username=…&password=…`) or JSON `{email, password}`; anything else is a 415. */
export const loginCredentials: MiddlewareHandler<AppEnv, string, CredentialsInput> = (c, next) => {
  // The shared validators are typed for a plain Context; at run time they only read the request and record.
  if (isForm(c)) return fromForm(c as Context, next)
  if (!JSON_MEDIA_TYPE.test(c.req.header('Content-Type') ?? '')) {
    throw new UnsupportedMediaTypeError(
      'Send application/x-www-form-urlencoded username and password, or JSON {email, password}',
    )
  }
  return fromJson(c as Context, next)
}

/** What loginCredentials validated, whichever form it came in. */
export const credentialsOf = (c: Context<AppEnv, string, CredentialsInput>): Credentials =>
  c.req.valid(isForm(c) ? 'form' : 'json')
