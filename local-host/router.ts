// Matches `/api/<route>` against the registered Functions route templates ({name}, {name?}, {name:constraint}, {*rest}).
import type { HttpFunctionDefinition } from '../shared/runtime/registry';

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  pattern: RegExp;
  parameterNames: string[];
  literalSegments: number;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(definition: HttpFunctionDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  let literalSegments = 0;
  const segments = definition.route.replace(/^\/+|\/+$/g, '').split('/');
  const source = segments
    .map((segment) => {
      const parameter = /^\{(\*)?([A-Za-z_]\w*)(?::[^}?]+)?(\?)?\}$/.exec(segment);
      if (!parameter) {
        literalSegments++;
        return `/${escape(segment)}`;
      }
      const [, catchAll, name, optional] = parameter;
      parameterNames.push(name!);
      if (catchAll) return '(?:/(.*))?';
      return optional ? '(?:/([^/]+))?' : '/([^/]+)';
    })
    .join('');
  return { definition, pattern: new RegExp(`^${source}/?$`, 'i'), parameterNames, literalSegments };
}

export interface RouteMatch {
  definition: HttpFunctionDefinition;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(definitions: readonly HttpFunctionDefinition[]) {
    // Literal segments win over parameters, as in ASP.NET routing.
    this.routes = definitions.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** `methodAllowed` false means the path exists but not for this method (405). */
  match(method: string, path: string): RouteMatch | { methodAllowed: boolean } {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (!route.definition.methods.includes(method.toUpperCase() as never)) continue;
      const params: Record<string, string> = {};
      route.parameterNames.forEach((name, index) => {
        const value = found[index + 1];
        if (value !== undefined) params[name] = decodeURIComponent(value);
      });
      return { definition: route.definition, params };
    }
    return { methodAllowed: !pathMatched };
  }
}
