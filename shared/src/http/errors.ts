export interface FieldError {
  path: string
  message: string
}

interface AppErrorOptions {
  errors?: FieldError[]
  headers?: Record<string, string>
  cause?: unknown
}

/** A failure the client should see: status, a stable type slug and a human detail, rendered as problem+json. */
export class AppError extends Error {
  readonly errors?: FieldError[]
  readonly headers?: Record<string, string>

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause })
    this.errors = options.errors
    this.headers = options.headers
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super(400, 'validation', 'Invalid request', detail, { errors })
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Missing or invalid credentials') {
    super(401, 'unauthorized', 'Unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } })
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this') {
    super(403, 'forbidden', 'Forbidden', detail)
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Not found') {
    super(404, 'not-found', 'Not Found', detail)
  }
}

export class ConflictError extends AppError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail)
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string) {
    super(415, 'unsupported-media-type', 'Unsupported Media Type', detail)
  }
}

export class BusinessRuleError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super(422, 'business-rule', 'Unprocessable', detail, { errors })
  }
}

export class TooManyRequestsError extends AppError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'too-many-requests', 'Too Many Requests', detail, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    })
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string) {
    super(503, 'unavailable', 'Service Unavailable', detail)
  }
}
