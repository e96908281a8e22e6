/** Every error the API can answer with, as a named, coded constant (the original's ErrorCodes, plus ours). */
export const ErrorCode = {
  UNKNOWN: 250,
  USER_NOT_IN_GROUP: 600,
  NO_SUCH_GROUP: 601,
  NO_SUCH_MESSAGE: 602,
  INVALID_PARAMETERS: 605,
  GROUP_NOT_OPEN: 607,
  UNAUTHORIZED: 610,
  NOT_FOUND: 611,
  BODY_TOO_LARGE: 612,
  REQUEST_IN_PROGRESS: 613,
  STORAGE_UNAVAILABLE: 620,
  QUEUE_UNAVAILABLE: 621,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusOf: Record<ErrorCode, number> = {
  [ErrorCode.UNKNOWN]: 500,
  [ErrorCode.USER_NOT_IN_GROUP]: 400,
  [ErrorCode.NO_SUCH_GROUP]: 400,
  [ErrorCode.NO_SUCH_MESSAGE]: 400,
  [ErrorCode.INVALID_PARAMETERS]: 400,
  [ErrorCode.GROUP_NOT_OPEN]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BODY_TOO_LARGE]: 413,
  [ErrorCode.REQUEST_IN_PROGRESS]: 409,
  [ErrorCode.STORAGE_UNAVAILABLE]: 503,
  [ErrorCode.QUEUE_UNAVAILABLE]: 503,
};

/** A failure the caller can act on: it is answered as `{code, detail: "<code>: <message>"}`. */
export class DinoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DinoError';
    this.code = code;
    this.status = httpStatusOf[code];
  }
}

export const notInGroup = (groupId: string, userId: number) =>
  new DinoError(ErrorCode.USER_NOT_IN_GROUP, `user is not in group: ${userId} ${groupId}`);
export const noSuchGroup = (groupId: string) => new DinoError(ErrorCode.NO_SUCH_GROUP, `no such group: ${groupId}`);
export const groupNotOpen = (groupId: string) =>
  new DinoError(ErrorCode.GROUP_NOT_OPEN, `group is frozen, archived or deleted: ${groupId}`);
export const invalidParameters = (field: string, problem: string) =>
  new DinoError(ErrorCode.INVALID_PARAMETERS, `invalid parameters: ${field}: ${problem}`);
