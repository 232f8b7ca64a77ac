/**
 * RFC 9457 "Problem Details for HTTP APIs": every error the CTI API returns is
 * `application/problem+json` with {type, title, status, detail}. `type` is a
 * stable URI per kind of problem (resolvable documentation is not promised: a
 * problem type is an identifier first, RFC 9457 §3.1.1).
 */
import type { ServerResponse } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://callcert.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** One entry per status the API can return, so titles stay stable (RFC 9457 §3.1.3: title does not vary per occurrence). */
export const PROBLEMS = {
  badRequest: { status: 400, slug: 'bad-request', title: 'Bad request' },
  unauthorized: { status: 401, slug: 'unauthorized', title: 'Missing or invalid bearer token' },
  notFound: { status: 404, slug: 'not-found', title: 'Not found' },
  methodNotAllowed: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  payloadTooLarge: { status: 413, slug: 'payload-too-large', title: 'Request body too large' },
  unsupportedMediaType: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type' },
  tooManyRequests: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  outboundRule: { status: 429, slug: 'outbound-rule', title: 'The call would break an outbound-calling limit of its line' },
  outsideWindow: { status: 403, slug: 'outside-calling-window', title: 'Outside the calling window' },
  internal: { status: 500, slug: 'internal', title: 'Internal error' },
  unavailable: { status: 503, slug: 'unavailable', title: 'Service unavailable' },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

export function problem(kind: ProblemKind, detail: string): Problem {
  const p = PROBLEMS[kind];
  return { type: TYPE_BASE + p.slug, title: p.title, status: p.status, detail };
}

/** Writes a problem response; `headers` adds e.g. WWW-Authenticate, Allow, Retry-After. */
export function sendProblem(res: ServerResponse, p: Problem, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(p);
  res.writeHead(p.status, {
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
