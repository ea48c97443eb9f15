/**
 * Hand-written statements on PostgreSQL: the services write SQLite's `?` and `@name`
 * parameters, and PostgreSQL numbers them (`$1`). A statement is rewritten once, when the
 * service builds it; each call then only orders its values.
 */

export interface PgStatement {
  /** The PostgreSQL text, with `$n` parameters. */
  readonly text: string;
  /** For `@name` parameters: the name behind each `$n`, in order. Null for positional ones. */
  readonly names: readonly string[] | null;
  /** How many positional values the statement takes. */
  readonly count: number;
}

/**
 * Rewrites `?` (positional) or `@name` (named) parameters to `$n`, leaving string literals,
 * quoted identifiers, comments and dollar-quoted bodies alone. A name used twice is one `$n`.
 * A text already written with `$n` is kept as it is. Mixing kinds is refused.
 */
export function compileStatement(source: string): PgStatement {
  let text = '';
  let positional = 0;
  let numbered = 0;
  const names: string[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "'" || c === '"') {
      // '…' with '' for a quote inside (E'…' strings also take backslash escapes); "…" likewise.
      const escapes = c === "'" && /[eE]/.test(source[i - 1] ?? '') && !/\w/.test(source[i - 2] ?? '');
      let j = i + 1;
      while (j < n) {
        if (escapes && source[j] === '\\') j += 2;
        else if (source[j] === c && source[j + 1] === c) j += 2;
        else if (source[j] === c) break;
        else j++;
      }
      text += source.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      text += source.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      text += source.slice(i, stop);
      i = stop;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && !/\w/.test(source[i - 1] ?? '')) {
      // A dollar-quoted body: $$…$$ or $tag$…$tag$.
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(source.slice(i))?.[0];
      if (!tag) {
        text += c;
        i++;
        continue;
      }
      const end = source.indexOf(tag, i + tag.length);
      const stop = end < 0 ? n : end + tag.length;
      text += source.slice(i, stop);
      i = stop;
    } else if (c === '$' && /\d/.test(next ?? '') && !/\w/.test(source[i - 1] ?? '')) {
      const digits = /^\$(\d+)/.exec(source.slice(i))![1]!;
      numbered = Math.max(numbered, Number(digits));
      text += `$${digits}`;
      i += 1 + digits.length;
    } else if (c === '?') {
      positional++;
      text += `$${positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(next ?? '')) {
      const name = /^@([A-Za-z_]\w*)/.exec(source.slice(i))![1]!;
      let at = names.indexOf(name);
      if (at < 0) at = names.push(name) - 1;
      text += `$${at + 1}`;
      i += 1 + name.length;
    } else {
      text += c;
      i++;
    }
  }
  if ([positional, names.length, numbered].filter((k) => k > 0).length > 1) {
    throw new Error(`A statement mixes parameter kinds (?, @name, $n): ${source}`);
  }
  return { text, names: names.length ? names : null, count: names.length ? names.length : Math.max(positional, numbered) };
}

/** The values for `$1…$n`, from positional values or one object of named ones. */
export function bindValues(statement: PgStatement, params: readonly unknown[]): unknown[] {
  if (!statement.names) {
    if (params.length !== statement.count) {
      throw new RangeError(`The statement takes ${statement.count} values, got ${params.length}: ${statement.text}`);
    }
    return params as unknown[];
  }
  const named = params[0];
  if (params.length !== 1 || typeof named !== 'object' || named === null) {
    throw new TypeError(`The statement takes named values (@${statement.names.join(', @')}) as one object: ${statement.text}`);
  }
  return statement.names.map((name) => {
    if (!(name in named)) throw new RangeError(`Missing named parameter "${name}": ${statement.text}`);
    return (named as Record<string, unknown>)[name];
  });
}
