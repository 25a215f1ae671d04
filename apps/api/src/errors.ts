import { CODE_FOR_TRPC, ERROR_META, isErrorCode, type ErrorBody, type ErrorCode, type ErrorDetail } from "@mailroom/contracts";
import type { TRPCError } from "@trpc/server";

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  httpStatus: number;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
}

interface MailroomErrorLike {
  name: "MailroomError";
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
}

function isMailroomError(value: unknown): value is MailroomErrorLike {
  return value instanceof Error && value.name === "MailroomError" && isErrorCode((value as { code?: unknown }).code);
}

function schemaIssues(value: unknown): { path?: readonly unknown[]; message: string }[] | undefined {
  const issues = (value as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? issues : undefined;
}

/** Every failure on either surface goes through here: one mapping from cause to catalogue entry. */
export function classifyError(error: TRPCError): ClassifiedError {
  const cause = error.cause;
  if (isMailroomError(cause)) {
    return {
      code: cause.code,
      message: cause.message,
      httpStatus: ERROR_META[cause.code].http,
      ...(cause.details ? { details: cause.details } : {}),
      ...(cause.headers ? { headers: cause.headers } : {}),
    };
  }
  const issues = error.code === "BAD_REQUEST" ? schemaIssues(cause) : undefined;
  if (issues) {
    return {
      code: "VALIDATION_ERROR",
      message: ERROR_META.VALIDATION_ERROR.message,
      httpStatus: 400,
      details: issues.map((issue) => ({
        path: (issue.path ?? []).map((p) => (typeof p === "number" ? p : String((p as { key?: unknown })?.key ?? p))),
        message: issue.message,
      })),
    };
  }
  const code = CODE_FOR_TRPC[error.code] ?? "INTERNAL_ERROR";
  return { code, message: ERROR_META[code].message, httpStatus: ERROR_META[code].http };
}

/** The documented REST error body. */
export function toErrorBody(classified: Pick<ClassifiedError, "code" | "message" | "details">): ErrorBody {
  return {
    success: false,
    error: classified.message,
    code: classified.code,
    ...(classified.details ? { details: classified.details } : {}),
  };
}
