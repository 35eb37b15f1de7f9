const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Substitution {
  value: unknown;
  /** Variables referenced but not set, each with where it was referenced. */
  missing: Array<{ variable: string; path: string }>;
}

/**
 * Replaces `${VAR}` in every string of a parsed config with the environment's value. Values are never echoed:
 * a missing variable is reported by its name and the config path that used it.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): Substitution {
  const missing: Substitution['missing'] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(VARIABLE, (_match, name: string) => {
        const found = env[name];
        if (found === undefined) {
          missing.push({ variable: name, path: at });
          return '';
        }
        return found;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, join(at, String(index))));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, join(at, key))]));
    }
    return node;
  };
  return { value: walk(value, path), missing };
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}
