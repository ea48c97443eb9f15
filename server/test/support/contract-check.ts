/**
 * Holds the server to its contract in every test that goes through the harness's `api()`: a
 * success's JSON must parse with the endpoint's output schema, as the extension's background will
 * parse it (extension/lib/api-client.ts). A mismatch fails the test that saw it, naming the endpoint.
 */
import { contract, type EndpointSpec } from '../../../shared/contract/index.js';

const routes = (Object.entries(contract) as [string, EndpointSpec][])
  .map(([name, spec]) => ({
    name,
    spec,
    pattern: new RegExp(`^${spec.path.replace(/:\w+/g, '[^/]+')}$`),
    // A literal segment wins over a parameter (POST /api/candidates/import is not a candidate id).
    params: (spec.path.match(/:/g) ?? []).length,
  }))
  .sort((a, b) => a.params - b.params);

export function checkAgainstContract(method: string, url: string, status: number, body: unknown): void {
  if (status < 200 || status >= 300) return;
  const path = new URL(url, 'http://harness').pathname;
  const route = routes.find((r) => r.spec.method === method.toUpperCase() && r.pattern.test(path));
  if (!route?.spec.output) return;
  const parsed = route.spec.output.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${method} ${path} (${route.name}) answered ${status} off-contract: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
}
