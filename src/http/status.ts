import { ErrorCode } from '../core/errors.js';

/** The HTTP status each error code is answered with: decided here, at the edge, not in the domain. */
const statusOf: Record<ErrorCode, number> = {
  [ErrorCode.UNKNOWN]: 500,
  [ErrorCode.USER_NOT_IN_GROUP]: 400,
  [ErrorCode.NO_SUCH_GROUP]: 400,
  [ErrorCode.NO_SUCH_MESSAGE]: 400,
  [ErrorCode.NO_SUCH_ATTACHMENT]: 400,
  [ErrorCode.INVALID_PARAMETERS]: 400,
  [ErrorCode.USER_KICKED]: 400,
  [ErrorCode.GROUP_NOT_OPEN]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BODY_TOO_LARGE]: 413,
  [ErrorCode.REQUEST_IN_PROGRESS]: 409,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.EVENT_TOO_LARGE]: 413,
  [ErrorCode.STORAGE_UNAVAILABLE]: 503,
  [ErrorCode.QUEUE_UNAVAILABLE]: 503,
  [ErrorCode.IDEMPOTENCY_UNAVAILABLE]: 503,
  [ErrorCode.MINTING_DISABLED]: 501,
};

export const httpStatus = (code: ErrorCode): number => statusOf[code];

const statusText: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
  403: 'Forbidden', 501: 'Not Implemented',
};

const lineOf = (status: number): string => `${status} ${statusText[status] ?? ''}`.trimEnd();
const statusLines = new Map(Object.keys(statusText).map((s) => [Number(s), lineOf(Number(s))]));

/** The status line uWebSockets.js writes: "404 Not Found" (the known ones made once, not per answer). */
export const statusLine = (status: number): string => statusLines.get(status) ?? lineOf(status);
