/**
 * Every failure the API can answer with, built in one place: a named, coded constant and one factory per failure
 * (the original's ErrorCodes, plus ours). Routes and adapters never invent a code; the HTTP layer decides the status.
 */
export const ErrorCode = {
  UNKNOWN: 250,
  USER_NOT_IN_GROUP: 600,
  NO_SUCH_GROUP: 601,
  NO_SUCH_MESSAGE: 602,
  NO_SUCH_ATTACHMENT: 603,
  INVALID_PARAMETERS: 605,
  USER_KICKED: 606,
  GROUP_NOT_OPEN: 607,
  UNAUTHORIZED: 610,
  NOT_FOUND: 611,
  BODY_TOO_LARGE: 612,
  REQUEST_IN_PROGRESS: 613,
  UNSUPPORTED_MEDIA_TYPE: 614,
  EVENT_TOO_LARGE: 615,
  STORAGE_UNAVAILABLE: 620,
  QUEUE_UNAVAILABLE: 621,
  IDEMPOTENCY_UNAVAILABLE: 622,
  MINTING_DISABLED: 630,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A failure the caller can act on: it is answered as `{code, detail: "<code>: <message>"}`. */
export class DinoError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DinoError';
    this.code = code;
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** Caller-supplied text quoted in a message is cut short: an answer never echoes a request back at length. */
const quote = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

export const Errors = {
  unexpected: (cause: unknown) => new DinoError(ErrorCode.UNKNOWN, 'unexpected error', { cause }),
  notInGroup: (groupId: string, userId: number) =>
    new DinoError(ErrorCode.USER_NOT_IN_GROUP, `user is not in group: ${userId} ${groupId}`),
  noSuchMessage: (messageId: string) => new DinoError(ErrorCode.NO_SUCH_MESSAGE, `no such message: ${messageId}`),
  noSuchAttachment: (fileId: string) => new DinoError(ErrorCode.NO_SUCH_ATTACHMENT, `no such attachment: ${quote(fileId)}`),
  noSuchGroup: (groupId: string) => new DinoError(ErrorCode.NO_SUCH_GROUP, `no such group: ${groupId}`),
  kicked: (groupId: string, userId: number) =>
    new DinoError(ErrorCode.USER_KICKED, `user ${userId} has been kicked from group ${groupId}`),
  groupNotOpen: (groupId: string) =>
    new DinoError(ErrorCode.GROUP_NOT_OPEN, `group is frozen, archived or deleted: ${groupId}`),
  invalidParameters: (field: string, problem: string) =>
    new DinoError(ErrorCode.INVALID_PARAMETERS, `invalid parameters: ${field}: ${problem}`),
  unauthorized: (key = 'API key') => new DinoError(ErrorCode.UNAUTHORIZED, `missing or wrong ${key}`),
  notFound: (method: string, path: string) =>
    new DinoError(ErrorCode.NOT_FOUND, `no route for ${quote(method, 20)} ${quote(path)}`),
  eventTooLarge: (bytes: number, limit: number) => new DinoError(ErrorCode.EVENT_TOO_LARGE,
    `event too large: ${bytes} bytes, an MQTT packet may carry at most ${limit} (DINO_MQTT_MAX_PACKET_SIZE)`),
  bodyTooLarge: (limit: number) => new DinoError(ErrorCode.BODY_TOO_LARGE, `body too large: limit is ${limit} bytes`),
  unsupportedMediaType: (contentType: string) => new DinoError(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `unsupported media type: ${contentType ? quote(contentType) : 'no Content-Type'}: expected application/json`),
  requestInProgress: () =>
    new DinoError(ErrorCode.REQUEST_IN_PROGRESS, 'a request with this Idempotency-Key is still in progress'),
  storageUnavailable: (cause: unknown) =>
    new DinoError(ErrorCode.STORAGE_UNAVAILABLE, `storage unavailable: ${reason(cause)}`, { cause }),
  queueUnavailable: (what: string, cause: unknown) =>
    new DinoError(ErrorCode.QUEUE_UNAVAILABLE, `${what}: ${reason(cause)}`, { cause }),
  sendLapsed: (graceMs: number) => new DinoError(ErrorCode.QUEUE_UNAVAILABLE,
    `the send took longer than DINO_SEND_GRACE_MS (${graceMs} ms) and was undone, its message removed: retry`),
  queueFull: (why: string) => new DinoError(ErrorCode.QUEUE_UNAVAILABLE, `broadcast queue is full (${why}): retry later`),
  idempotencyUnavailable: (cause: unknown) =>
    new DinoError(ErrorCode.IDEMPOTENCY_UNAVAILABLE, `idempotency keys unavailable: ${reason(cause)}`, { cause }),
  mintingDisabled: () =>
    new DinoError(ErrorCode.MINTING_DISABLED, 'minting tokens needs DINO_JWT_SECRET, which this Dino does not have'),
} as const;
