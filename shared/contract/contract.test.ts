/** The contract's own consistency: what the server, the OpenAPI document and the extension all rely on. */
import { describe, expect, it } from 'vitest';
import { contract, type EndpointSpec } from './index';

const specs = Object.entries(contract) as [string, EndpointSpec][];

describe('the contract', () => {
  it('declares each method and path once', () => {
    const routes = specs.map(([, spec]) => `${spec.method} ${spec.path.replace(/:\w+/g, ':')}`);
    expect(routes.filter((route, i) => routes.indexOf(route) !== i)).toEqual([]);
  });

  it('gives every endpoint a JSON output, or says why it has none', () => {
    for (const [name, spec] of specs) {
      if (spec.output) continue;
      expect(spec.status === 204 || spec.produces !== undefined, `${name}: no output, yet neither a 204 nor another content type`).toBe(true);
    }
  });

  it('takes a body only on POST, PUT and PATCH, and a query only on GET', () => {
    for (const [name, spec] of specs) {
      if (spec.body || spec.files) expect(['POST', 'PUT', 'PATCH'], name).toContain(spec.method);
      if (spec.query) expect(spec.method, name).toBe('GET');
    }
  });
});
