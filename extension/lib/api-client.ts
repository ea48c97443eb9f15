/**
 * The background worker's HTTP client for the server. Every refusal becomes a RelayError with
 * the server's own code and message, so the UI can say why.
 */
import type { RelayError } from './protocol';

export class RelayFailure extends Error {
  constructor(readonly error: RelayError) {
    super(error.message);
  }
}

/** A request body that is not JSON (an import's CSV or NDJSON file), sent as it is. */
export class TextBody {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

export interface ApiTarget {
  serverUrl: string;
  token: string | null;
}

export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  const text = body instanceof TextBody;
  try {
    res = await fetch(`${target.serverUrl}${path}`, {
      method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...(body !== undefined ? { 'content-type': text ? body.contentType : 'application/json' } : {}),
        ...headers,
      },
      body: text ? body.text : body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new RelayFailure({
      code: 'OFFLINE',
      message: `Can't reach the Text Engagement server at ${target.serverUrl}. Check that it is running.`,
      status: 0,
    });
  }
  if (res.status === 204) return null as T;
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // Not JSON: described below.
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: { field?: unknown } } } | null)?.error;
    const field = error?.details?.field;
    throw new RelayFailure({
      code: error?.code ?? `HTTP_${res.status}`,
      message: error?.message ?? `The server answered ${res.status}.`,
      status: res.status,
      ...(typeof field === 'string' ? { field } : {}),
    });
  }
  return json as T;
}

/** Opens the server's event stream (GET /api/events) for lib/event-stream.ts, which reads it. */
export function openEventStream(target: { serverUrl: string; token: string }, signal: AbortSignal): Promise<Response> {
  return fetch(`${target.serverUrl}/api/events`, { headers: { authorization: `Bearer ${target.token}`, accept: 'text/event-stream' }, signal });
}
