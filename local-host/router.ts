// Matches `/api/<route>` against the registered Functions route templates ({name}, {name?}, {name:constraint}, {*rest}).
import type { HttpMethod } from '@azure/functions';
import type { HttpFunctionDefinition } from '../shared/runtime/registry';

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  pattern: RegExp;
  parameterNames: string[];
  literalSegments: number;
  /** Ends in `{*rest}`: it matches any deeper path, so it says nothing about the methods a specific path takes. */
  catchAll: boolean;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(definition: HttpFunctionDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  let literalSegments = 0;
  let catchAll = false;
  const segments = definition.route.replace(/^\/+|\/+$/g, '').split('/');
  const source = segments
    .map((segment) => {
      const parameter = /^\{(\*)?([A-Za-z_]\w*)(?::[^}?]+)?(\?)?\}$/.exec(segment);
      if (!parameter) {
        literalSegments++;
        return `/${escape(segment)}`;
      }
      const [, wildcard, name, optional] = parameter;
      parameterNames.push(name!);
      if (wildcard) {
        catchAll = true;
        return '(?:/(.*))?';
      }
      return optional ? '(?:/([^/]+))?' : '/([^/]+)';
    })
    .join('');
  return { definition, pattern: new RegExp(`^${source}/?$`, 'i'), parameterNames, literalSegments, catchAll };
}

export interface RouteMatch {
  definition: HttpFunctionDefinition;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[];
  /** Routes without parameters by their lower-cased path: a hot literal route needs no pattern tried. */
  private readonly literalRoutes = new Map<string, CompiledRoute[]>();

  constructor(definitions: readonly HttpFunctionDefinition[]) {
    // Literal segments win over parameters, as in ASP.NET routing.
    this.routes = definitions.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
    for (const route of this.routes) {
      if (route.parameterNames.length > 0) continue;
      const path = `/${route.definition.route.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
      this.literalRoutes.set(path, [...(this.literalRoutes.get(path) ?? []), route]);
    }
  }

  /**
   * `allowed` lists the methods the path takes when it exists but not for this method (405; empty: 404);
   * `malformed` means a route parameter's percent-encoding cannot be decoded (400).
   */
  match(method: string, path: string): RouteMatch | { allowed: HttpMethod[] } | { malformed: true } {
    const upper = method.toUpperCase() as HttpMethod;
    // A literal route wins over any parameterised one, so an exact hit allowing the method is the answer.
    const literal = this.literalRoutes.get((path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase());
    const exact = literal?.find((route) => route.definition.methods.includes(upper));
    if (exact) return { definition: exact.definition, params: {} };
    const allowed = new Set<HttpMethod>();
    const allowedByCatchAll = new Set<HttpMethod>();
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (!route.definition.methods.includes(upper)) {
        for (const allowedMethod of route.definition.methods) (route.catchAll ? allowedByCatchAll : allowed).add(allowedMethod);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [index, name] of route.parameterNames.entries()) {
        const value = found[index + 1];
        if (value === undefined) continue;
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          return { malformed: true };
        }
      }
      return { definition: route.definition, params };
    }
    return { allowed: [...(allowed.size > 0 ? allowed : allowedByCatchAll)] };
  }
}
